/**
 * Memory per idle connection, measured in a fresh process per client (so no client's garbage
 * is counted against another): `node --expose-gc e2e-idle.js <client> <count> <url> <rawPort>`.
 * Prints one JSON line: KiB of RSS and of heap+external per connection, after GC.
 */
import { clientNamed } from "./e2e-clients.js";

const [name, countText, url, rawPort] = process.argv.slice(2);
const count = Number(countText);
const client = clientNamed(name, Number(rawPort));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
};
// Code loading, JIT compilation and the heap's growth are one-time costs, not per connection: a
// warm-up of connections opened and closed puts them in the baseline (one connection did not get
// the code optimised: up to 0.6 KiB of heap and 7 KiB of RSS per connection were compiled code
// and allocator slack).
const warmUp = Math.min(1_000, Math.max(100, Math.floor(count / 5)));
for (let i = 0; i < warmUp; i += 100) {
  const closers = await Promise.all(Array.from({ length: 100 }, () => client.openIdle(url!)));
  await Promise.all(closers.map((close) => close()));
}
await settle();
const before = process.memoryUsage();
const closers: (() => Promise<void>)[] = [];
for (let i = 0; i < count; i += 100) {
  closers.push(
    ...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => client.openIdle(url!)))),
  );
}
await settle();
const after = process.memoryUsage();
console.log(
  JSON.stringify({
    rss: (after.rss - before.rss) / 1024 / count,
    heap: (after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / count,
  }),
);
for (let i = 0; i < closers.length; i += 200)
  await Promise.all(closers.slice(i, i + 200).map((close) => close()));
process.exit(0);

/**
 * The start-up benchmark: what a fresh process pays before its first message, for a CLI, a
 * serverless function or a short script. Each sample is a new process (bench/startup-child.ts)
 * that loads one library, connects to a `ws` echo server on 127.0.0.1, echoes one message and
 * closes. Clients: wsflow as it ships (the bundle, dist/wsflow.js), wsflow's unbundled files
 * (dist/src, to show what the bundle saves), `ws` and undici. They alternate A B C D, D C B A over
 * the rounds; medians and the ratio to ws are printed (lower is better, so > 1.00x means wsflow
 * is ahead). A benchmark, not a test.
 *
 * `npm run bench:startup [-- --rounds N]` (default 21).
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { WebSocketServer } from "ws";
import { environment, median } from "./harness.js";

const roundsFlag = process.argv.indexOf("--rounds");
const rounds = roundsFlag === -1 ? 21 : Number(process.argv[roundsFlag + 1]);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds wants a positive integer");

const clients = ["wsflow-bundle", "wsflow-files", "ws", "undici"] as const;
type Client = (typeof clients)[number];

interface Sample {
  /** Loading the library: its `import`, from the script's first line. */
  loadMs: number;
  /** The first connection: connecting, echoing one message, closing (cold code, for every client). */
  echoMs: number;
  /** From the process's start to the echo's connection closed. */
  firstEchoMs: number;
  /** From spawning the process to its exit, as its parent sees it. */
  wallMs: number;
}

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("connection", (socket) =>
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary })),
);
await new Promise<void>((resolve) => server.once("listening", resolve));
const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const child = join(import.meta.dirname, "startup-child.js");

function sample(client: Client): Promise<Sample> {
  const spawned = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, client, url], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${client}: ${error.message}\n${stderr}`));
      const wallMs = performance.now() - spawned;
      const out = JSON.parse(stdout) as { loadMs: number; loaded: number; closed: number };
      resolve({ loadMs: out.loadMs, echoMs: out.closed - out.loaded, firstEchoMs: out.closed, wallMs });
    });
  });
}

// One unrecorded pass warms the file system's cache for every client alike.
for (const c of clients) await sample(c);
const samples = new Map<Client, Sample[]>(clients.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [...clients] : [...clients].reverse();
  for (const c of order) samples.get(c)!.push(await sample(c));
}
server.close();

const rows: { label: string; key: keyof Sample }[] = [
  { label: "load the library", key: "loadMs" },
  { label: "first connection: connect, echo one message, close", key: "echoMs" },
  { label: "process start to first echo closed", key: "firstEchoMs" },
  { label: "spawn to exit (parent's view)", key: "wallMs" },
];
const med = (c: Client, key: keyof Sample) => median(samples.get(c)!.map((s) => s[key]));
const lines = [
  "# wsflow start-up benchmark",
  "",
  `${await environment()}; ${rounds} fresh processes per client, medians in ms. Ratio: ws / wsflow (bundle), so > 1.00x means wsflow is ahead; "by round" is the lowest and highest of the rounds' paired ratios.`,
  "",
  "| ms | wsflow (bundle) | wsflow (files) | ws | undici | vs ws | vs ws, by round | vs undici |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
];
for (const { label, key } of rows) {
  const w = med("wsflow-bundle", key);
  const paired = samples
    .get("wsflow-bundle")!
    .map((s, i) => samples.get("ws")![i]![key] / s[key])
    .sort((a, b) => a - b);
  lines.push(
    `| ${label} | ${w.toFixed(1)} | ${med("wsflow-files", key).toFixed(1)} | ${med("ws", key).toFixed(1)} | ${med("undici", key).toFixed(1)} | ${(med("ws", key) / w).toFixed(2)}x | ${paired[0]!.toFixed(2)}-${paired.at(-1)!.toFixed(2)}x | ${(med("undici", key) / w).toFixed(2)}x |`,
  );
}
console.log(lines.join("\n"));
const dir = join(import.meta.dirname, "..", "..", "bench", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `startup-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  file,
  JSON.stringify({ environment: await environment(), rounds, samples: Object.fromEntries(samples) }, null, 2),
);
console.log(`\nJSON: ${file}`);

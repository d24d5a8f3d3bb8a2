/**
 * A user of the package as it ships, run in a process of its own by bundle.test.ts (so that the test
 * process never holds a second copy of the library): imports the entry point package.json's `exports`
 * names, echoes a text and a binary message through it at the URL given, and prints what it saw as JSON.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as Wsflow from "../../src/index.js";

const root = join(import.meta.dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: { ".": { import: string } };
};
const w = (await import(join(root, pkg.exports["."].import))) as typeof Wsflow;

const received: Wsflow.Message[] = [];
let queue!: Wsflow.SourceQueue<Wsflow.Message>;
const [upgrade, q] = w.Http.get().singleWebSocketRequest(
  w.WebSocketRequest.create(process.argv[process.argv.length - 1]!),
  w.Flow.fromSinkAndSourceMat(
    w.Sink.foreach<Wsflow.Message>((message) => {
      received.push(message);
      if (received.length === 2) queue.complete();
    }),
    w.Source.queue<Wsflow.Message>(4, "backpressure"),
    w.Keep.right,
  ),
);
queue = q;
q.offer(w.TextMessage.create("from the bundle"));
q.offer(w.BinaryMessage.create(Uint8Array.of(1, 2, 3)));
const response = await upgrade;
if (!(response instanceof w.ValidUpgrade)) throw new Error(`no upgrade: ${String(response)}`);
await response.closed;
process.stdout.write(
  JSON.stringify({
    exports: Object.keys(w).sort(),
    text: received[0]?.asTextMessage().getStrictText(),
    binary: [...(received[1]?.asBinaryMessage().getStrictData() ?? [])],
  }),
);

/**
 * The package as it ships: `exports` and `bin` name the bundles `npm run build` makes (dist/wsflow.js,
 * dist/wsflow-cli.js), not the files under dist/src the other tests import. The bundle must export
 * what the source exports, and work.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as source from "../../src/index.js";
import { startWsServer, type TestServer } from "../helpers/ws-server.js";

/** The repository root, from dist/test/package. */
const root = join(import.meta.dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  main: string;
  types: string;
  exports: { ".": { types: string; import: string } };
  bin: { wsflow: string };
  files: string[];
};

describe("the package's bundle", () => {
  let server: TestServer;
  before(async () => {
    server = await startWsServer();
  });
  after(() => server.close());

  it("is where package.json points, with its types and the command", () => {
    for (const path of [pkg.main, pkg.exports["."].import, pkg.types, pkg.exports["."].types, pkg.bin.wsflow])
      assert.ok(existsSync(join(root, path)), `${path} is missing`);
    assert.equal(pkg.main, pkg.exports["."].import);
    assert.ok(pkg.files.includes(pkg.main.replace(/^\.\//, "")));
    assert.ok(pkg.files.includes(pkg.bin.wsflow.replace(/^\.\//, "")));
    assert.match(readFileSync(join(root, pkg.bin.wsflow), "utf8"), /^#!\/usr\/bin\/env node\n/);
  });

  it("exports what the source exports, and nothing from the source files themselves", async () => {
    const bundle = (await import(join(root, pkg.exports["."].import))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bundle).sort(), Object.keys(source).sort());
    // Its own copy of every class, not the source's modules loaded again.
    assert.notEqual(bundle.Flow, source.Flow);
  });

  it("connects, echoes a text and a binary message, and closes", async () => {
    const w = (await import(join(root, pkg.exports["."].import))) as typeof source;
    const received: source.Message[] = [];
    let queue!: source.SourceQueue<source.Message>;
    const [upgrade, q] = w.Http.get().singleWebSocketRequest(
      w.WebSocketRequest.create(server.url()),
      w.Flow.fromSinkAndSourceMat(
        w.Sink.foreach<source.Message>((message) => {
          received.push(message);
          if (received.length === 2) queue.complete();
        }),
        w.Source.queue<source.Message>(4, "backpressure"),
        w.Keep.right,
      ),
    );
    queue = q;
    q.offer(w.TextMessage.create("from the bundle"));
    q.offer(w.BinaryMessage.create(Uint8Array.of(1, 2, 3)));
    const response = await upgrade;
    assert.ok(response instanceof w.ValidUpgrade);
    await response.closed;
    assert.equal(received.length, 2);
    assert.equal(received[0]!.asTextMessage().getStrictText(), "from the bundle");
    assert.deepEqual([...received[1]!.asBinaryMessage().getStrictData()], [1, 2, 3]);
  });
});

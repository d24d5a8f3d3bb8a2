import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WebSocketServer } from "ws";
import {
  ClientTransport,
  Flow,
  Http,
  InvalidArgumentError,
  Keep,
  type Message,
  Sink,
  Source,
  Tcp,
  WebSocketRequest,
} from "../../src/index.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { sendTexts, textsOf } from "../helpers/text-exchange.js";
import { echo } from "../helpers/ws-server.js";

describe("ClientTransport.unixSocket", { skip: process.platform === "win32" && "Unix sockets" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "wsflow-unix-"));
  const path = join(dir, "ws.sock");
  const requests: IncomingMessage[] = [];
  let close: () => Promise<void>;
  before(async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on("connection", (ws, request) => {
      requests.push(request);
      echo(ws);
    });
    await new Promise<void>((r) => server.listen(path, r));
    close = () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      });
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("connects to the socket; the URL still names the server", async () => {
    const snapshot = resourceSnapshot();
    const http = Http.create({ transport: ClientTransport.unixSocket(path) });
    const [upgrade, received] = sendTexts(http, "ws://daemon.local/events", ["over a socket file"]);
    assert.equal((await upgrade).response.status, 101);
    assert.deepEqual(textsOf(await received), ["over a socket file"]);
    assert.equal(requests.at(-1)?.headers.host, "daemon.local");
    assert.equal(requests.at(-1)?.url, "/events");
    await snapshot.check();
  });

  it("a missing socket fails with a ConnectionError naming it", async () => {
    const missing = join(dir, "missing.sock");
    const http = Http.create({ transport: ClientTransport.unixSocket(missing) });
    const [upgrade] = http.singleWebSocketRequest(
      WebSocketRequest.create("ws://daemon.local/"),
      Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
    );
    await assert.rejects(upgrade, (e: unknown) => {
      assert.equal((e as { code: string }).code, "WS_ERR_CONNECTION_FAILED");
      assert.ok((e as Error).message.includes(`(Unix socket ${missing})`), (e as Error).message);
      return true;
    });
  });

  it("rejects an empty path, or a path with a proxy, at once", () => {
    assert.throws(() => ClientTransport.unixSocket(""), InvalidArgumentError);
    assert.throws(
      () => Tcp.outgoingConnection("h", 1, { socketPath: path, proxy: { host: "127.0.0.1", port: 3128 } }),
      InvalidArgumentError,
    );
  });
});

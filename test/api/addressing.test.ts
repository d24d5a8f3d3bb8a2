import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocketServer } from "ws";
import {
  Flow,
  Http,
  Keep,
  type Message,
  ProtocolError,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../../src/index.js";
import { startRawServer, upgradeResponse } from "../helpers/raw-server.js";
import { echo } from "../helpers/ws-server.js";

const http = Http.get();

describe("addressing", () => {
  it("IPv6 literals, names, path and query", async () => {
    const server = new WebSocketServer({ host: "::1", port: 0 });
    await new Promise<void>((r) => server.once("listening", () => r()));
    server.on("connection", echo);
    const seen: string[] = [];
    server.on("connection", (_ws, req) => seen.push(`${req.headers.host} ${req.url}`));
    const port = (server.address() as { port: number }).port;
    try {
      const [upgrade, received] = http.singleWebSocketRequest(
        WebSocketRequest.create(`ws://[::1]:${port}/chat/room?id=7&x=%20`),
        Flow.fromSinkAndSourceMat(
          Sink.seq<Message>(),
          Source.single<Message>(TextMessage.create("v6")),
          Keep.left,
        ),
      );
      assert.equal((await upgrade).response.status, 101);
      assert.deepEqual(
        (await received).map((m) => m.asTextMessage().getStrictText()),
        ["v6"],
      );
      assert.deepEqual(seen, [`[::1]:${port} /chat/room?id=7&x=%20`]);
    } finally {
      for (const c of server.clients) c.terminate();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("protocol violations by the server", () => {
  it("a masked frame from the server fails the connection with ProtocolError and Close 1002 on the wire", async () => {
    let closeFrame: Buffer | undefined;
    const server = await startRawServer((socket, request) => {
      socket.write(upgradeResponse(request.key));
      socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x69 ^ 2])); // masked: forbidden
      socket.on("data", (chunk: Buffer) => {
        closeFrame = chunk;
      });
    });
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
        { settings: { websocket: { closeTimeout: 100 } } },
      );
      await upgrade;
      await assert.rejects(done, (e: unknown) => {
        assert.ok(e instanceof ProtocolError);
        assert.equal(e.closeCode, 1002);
        assert.equal(e.code, "WS_ERR_UNEXPECTED_MASK");
        return true;
      });
      await new Promise((r) => setTimeout(r, 20));
      // Our Close: opcode 8, masked, code 1002 after unmasking.
      assert.ok(closeFrame && closeFrame[0] === 0x88);
      const key = closeFrame.subarray(2, 6);
      assert.equal(((closeFrame[6]! ^ key[0]!) << 8) | (closeFrame[7]! ^ key[1]!), 1002);
    } finally {
      await server.close();
    }
  });
});

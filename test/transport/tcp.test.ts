import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, it } from "node:test";
import { Keep, Sink, Source, Tcp } from "../../src/index.js";

/** A server on 127.0.0.1 that echoes and closes when the client ends. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("Tcp.outgoingConnection", () => {
  it("materializes the connection's addresses, or empty ones with reportAddresses: false", async () => {
    const server = await echoServer();
    try {
      for (const reportAddresses of [true, false]) {
        const bytes = new Uint8Array([1, 2, 3]);
        const [connected, echoed] = Source.single(bytes)
          .viaMat(Tcp.outgoingConnection("127.0.0.1", server.port, { reportAddresses }), Keep.right)
          .toMat(Sink.seq<Uint8Array>(), Keep.both)
          .run();
        const addresses = await connected;
        if (reportAddresses) {
          assert.equal(addresses.remoteAddress, "127.0.0.1");
          assert.equal(addresses.remotePort, server.port);
          assert.equal(addresses.localAddress, "127.0.0.1");
          assert.ok(addresses.localPort > 0);
        } else {
          assert.deepEqual(
            { ...addresses },
            { localAddress: "", localPort: 0, remoteAddress: "", remotePort: 0 },
          );
        }
        const received = await echoed;
        assert.deepEqual([...received.flatMap((c) => [...c])], [1, 2, 3]);
      }
    } finally {
      await server.close();
    }
  });
});

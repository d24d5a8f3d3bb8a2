import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidArgumentError, InvalidStateError, Opcode } from "../../src/codec/index.js";
import { ConnectionState, type ProtocolEvent, WebSocketProtocol } from "../../src/protocol/index.js";
import { concat, hex, utf8 } from "../helpers/bits.js";
import { chunkings } from "../helpers/chunkings.js";
import { clientProtocol, sentFrames, serverClose, serverFrame } from "../helpers/protocol-peer.js";

/** Events as short strings, message data merged. */
function describeEvents(events: readonly ProtocolEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    switch (e.kind) {
      case "message":
        // One event for a whole single-frame message: described as its three parts.
        out.push(`start ${e.messageType} single ${e.data.length}`);
        if (e.data.length > 0) out.push(`data ${new TextDecoder().decode(e.data)}`);
        out.push("end");
        break;
      case "message-start":
        out.push(`start ${e.messageType}${e.singleFrame ? ` single ${e.frameLength}` : ""}`);
        break;
      case "message-data": {
        const last = out.at(-1);
        const text = new TextDecoder().decode(e.data);
        if (last?.startsWith("data ")) out[out.length - 1] = last + text;
        else out.push(`data ${text}`);
        break;
      }
      case "message-end":
        out.push("end");
        break;
      case "ping":
      case "pong":
        out.push(`${e.kind} ${new TextDecoder().decode(e.data)}`);
        break;
      case "close-received":
        out.push(`close ${e.code} ${e.reason}`.trim());
        break;
      case "protocol-error":
        out.push(`error ${e.violation.closeCode} ${e.violation.code}`);
        break;
      case "closed":
        out.push(`closed ${e.code} ${e.wasClean ? "clean" : "unclean"}`);
        break;
    }
  }
  return out;
}

function feed(protocol: WebSocketProtocol, ...chunks: Uint8Array[]): string[] {
  for (const c of chunks) protocol.receiveData(c);
  return describeEvents(protocol.eventsReceived());
}

describe("5.4 Fragmentation", () => {
  it("delivers a single-frame message with its length, at every chunking", () => {
    for (const chunks of chunkings(serverFrame(Opcode.Text, "Hello"))) {
      const { protocol } = clientProtocol();
      assert.deepEqual(feed(protocol, ...chunks), ["start text single 5", "data Hello", "end"]);
    }
  });

  it("delivers fragments with control frames interleaved", () => {
    const wire = concat([
      serverFrame(Opcode.Text, "Hel", false),
      serverFrame(Opcode.Ping, "p"),
      serverFrame(Opcode.Continuation, "lo", false),
      serverFrame(Opcode.Pong, "q"),
      serverFrame(Opcode.Continuation, "!", true),
    ]);
    for (const chunks of chunkings(wire)) {
      const { protocol } = clientProtocol();
      assert.deepEqual(feed(protocol, ...chunks), [
        "start text",
        "data Hel",
        "ping p",
        "data lo",
        "pong q",
        "data !",
        "end",
      ]);
      assert.deepEqual(sentFrames(protocol.dataToSend()), ["pong p"]);
    }
  });

  it("a continuation with nothing to continue is 1002", () => {
    const { protocol } = clientProtocol();
    assert.deepEqual(feed(protocol, serverFrame(Opcode.Continuation, "x")), [
      "error 1002 WS_ERR_UNEXPECTED_CONTINUATION",
    ]);
    assert.deepEqual(sentFrames(protocol.dataToSend()), [
      "close 1002 continuation frame without a message to continue",
    ]);
    assert.ok(protocol.shouldCloseTransport());
  });

  it("a new message inside a fragmented one is 1002", () => {
    const { protocol } = clientProtocol();
    const events = feed(protocol, serverFrame(Opcode.Text, "a", false), serverFrame(Opcode.Binary, "b"));
    assert.deepEqual(events, ["start text", "data a", "error 1002 WS_ERR_EXPECTED_CONTINUATION"]);
  });
});

describe("limits", () => {
  it("a message over maxMessageSize is refused from the header (1009), before any payload", () => {
    const { protocol } = clientProtocol({ maxMessageSize: 10 });
    // Only the header of an 11-byte frame is sent: the violation needs no payload.
    const events = feed(protocol, hex("82 0b"));
    assert.deepEqual(events, ["error 1009 WS_ERR_MESSAGE_TOO_BIG"]);
  });

  it("a message reaching maxMessageSize over many fragments is 1009", () => {
    const { protocol } = clientProtocol({ maxMessageSize: 10 });
    const events = feed(
      protocol,
      serverFrame(Opcode.Binary, "1234", false),
      serverFrame(Opcode.Continuation, "5678", false),
      serverFrame(Opcode.Continuation, "901", true),
    );
    assert.deepEqual(events.slice(-1), ["error 1009 WS_ERR_MESSAGE_TOO_BIG"]);
    assert.ok(!events.includes("data 901"));
  });

  it("a frame over maxFrameSize is 1009", () => {
    const { protocol } = clientProtocol({ maxFrameSize: 4 });
    assert.deepEqual(feed(protocol, serverFrame(Opcode.Binary, "12345")), [
      "error 1009 WS_ERR_FRAME_TOO_BIG",
    ]);
  });

  it("refuses nonsense limits, every time the same options are given", () => {
    assert.throws(() => new WebSocketProtocol({ role: "client", maxMessageSize: 0 }), InvalidArgumentError);
    assert.throws(() => new WebSocketProtocol({ role: "client", closeTimeout: -1 }), InvalidArgumentError);
    const bad = { role: "client", maxFrameSize: 0 } as const;
    assert.throws(() => new WebSocketProtocol(bad), InvalidArgumentError);
    assert.throws(() => new WebSocketProtocol(bad), InvalidArgumentError);
  });

  it("protocols made from one options object apply its limits independently", () => {
    // What a protocol derives from its options is shared between protocols made from the same
    // object (as the engine's connections are); each connection's state stays its own.
    const options = { role: "client", maxFrameSize: 4 } as const;
    const a = new WebSocketProtocol(options);
    const b = new WebSocketProtocol(options);
    assert.deepEqual(feed(a, serverFrame(Opcode.Binary, "12345")), ["error 1009 WS_ERR_FRAME_TOO_BIG"]);
    assert.deepEqual(feed(b, serverFrame(Opcode.Binary, "1234")), [
      "start binary single 4",
      "data 1234",
      "end",
    ]);
    assert.equal(b.state, "OPEN");
  });
});

describe("8.1 UTF-8 in text messages", () => {
  it("fails at the first bad byte, mid-frame, before the message ends (1007)", () => {
    const { protocol } = clientProtocol();
    // A 100-byte text frame; only its first 10 bytes arrive, the 6th is invalid.
    protocol.receiveData(concat([hex("81 64"), utf8("hello"), hex("ff"), utf8("abcd")]));
    const events = describeEvents(protocol.eventsReceived());
    // The start of a single-frame message is held back until its payload is in, so only the error shows.
    assert.deepEqual(events, ["error 1007 WS_ERR_INVALID_UTF8"]);
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["close 1007 text message is not valid UTF-8"]);
  });

  it("a code point split across fragments is fine; one left open at the end is 1007", () => {
    const euro = utf8("€");
    const { protocol } = clientProtocol();
    const ok = feed(
      protocol,
      serverFrame(Opcode.Text, euro.subarray(0, 1), false),
      serverFrame(Opcode.Continuation, euro.subarray(1), true),
    );
    assert.equal(ok.at(-1), "end");
    const truncated = feed(protocol, serverFrame(Opcode.Text, euro.subarray(0, 2)));
    assert.deepEqual(truncated.slice(-1), ["error 1007 WS_ERR_INVALID_UTF8"]);
  });
});

describe("8.1 UTF-8, a message in one chunk or many", () => {
  it("the verdict is a strict decoder's, however the frames are fragmented and chunked", async () => {
    const { isUtf8 } = await import("node:buffer");
    const strict = new TextDecoder("utf-8", { fatal: true });
    const payloads = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 120 }).map((s) => utf8(s)),
      fc.uint8Array({ maxLength: 120 }),
    );
    fc.assert(
      fc.property(payloads, fc.nat(), fc.nat(), fc.boolean(), (payload, cutAt, splitAt, bulk) => {
        let valid = true;
        try {
          strict.decode(payload);
        } catch {
          valid = false;
        }
        // One frame, or two fragments (the first possibly empty); sent whole or in two chunks.
        const cut = cutAt % (payload.length + 1);
        const wire =
          cutAt % 3 === 0
            ? serverFrame(Opcode.Text, payload)
            : concat([
                serverFrame(Opcode.Text, payload.subarray(0, cut), false),
                serverFrame(Opcode.Continuation, payload.subarray(cut), true),
              ]);
        const split = splitAt % (wire.length + 1);
        const { protocol } = clientProtocol(bulk ? { utf8Bulk: isUtf8 } : {});
        const events = feed(protocol, wire.subarray(0, split), wire.subarray(split));
        if (valid) assert.equal(events.at(-1), "end");
        else assert.deepEqual(events.slice(-1), ["error 1007 WS_ERR_INVALID_UTF8"]);
      }),
      { numRuns: 1500 },
    );
  });
});

describe("5.5.2 Ping and 5.5.3 Pong", () => {
  it("answers a ping with a pong carrying the same payload", () => {
    const { protocol } = clientProtocol();
    assert.deepEqual(feed(protocol, serverFrame(Opcode.Ping, "are you there")), ["ping are you there"]);
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["pong are you there"]);
  });

  it("sends pings and unsolicited pongs; refuses payloads over 125 bytes", () => {
    const { protocol } = clientProtocol();
    protocol.sendPing(utf8("a"));
    protocol.sendPong(utf8("b"));
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["ping a", "pong b"]);
    assert.throws(() => protocol.sendPing(new Uint8Array(126)), InvalidArgumentError);
  });
});

describe("7 Closing the Connection", () => {
  it("7.1.2 we close: data until the peer's Close is delivered, then the handshake completes", () => {
    const { protocol } = clientProtocol();
    protocol.sendClose(1000, "done");
    assert.equal(protocol.state, ConnectionState.Closing);
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["close 1000 done"]);
    const events = feed(protocol, serverFrame(Opcode.Text, "late"), serverClose(1000, "ok"));
    assert.deepEqual(events, ["start text single 4", "data late", "end", "close 1000 ok"]);
    assert.deepEqual(protocol.dataToSend(), [], "no second Close");
    assert.ok(!protocol.shouldCloseTransport(), "a client waits for the server to close TCP");
    protocol.receiveEof();
    assert.deepEqual(describeEvents(protocol.eventsReceived()), ["closed 1000 clean"]);
    assert.equal(protocol.state, ConnectionState.Closed);
  });

  it("7.1.5 the peer closes: we echo its code", () => {
    const { protocol } = clientProtocol();
    assert.deepEqual(feed(protocol, serverClose(4001, "app says bye")), ["close 4001 app says bye"]);
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["close 4001"]);
    protocol.receiveEof();
    assert.deepEqual(describeEvents(protocol.eventsReceived()), ["closed 4001 clean"]);
  });

  it("an empty Close is answered with an empty Close and reads as 1005", () => {
    const { protocol } = clientProtocol();
    assert.deepEqual(feed(protocol, serverClose()), ["close 1005"]);
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["close"]);
  });

  it("frames after the peer's Close are ignored", () => {
    const { protocol } = clientProtocol();
    assert.deepEqual(feed(protocol, concat([serverClose(1000), serverFrame(Opcode.Text, "ghost")])), [
      "close 1000",
    ]);
  });

  it("a server closes the transport once the handshake is done", () => {
    const server = new WebSocketProtocol({ role: "server" });
    server.sendClose(1001);
    assert.ok(!server.shouldCloseTransport());
    const clientClose = clientProtocol().protocol;
    clientClose.sendClose(1001);
    server.receiveData(concat(clientClose.dataToSend()));
    assert.ok(server.shouldCloseTransport());
  });

  it("invalid close payloads: 1-byte (1002), bad code (1002), bad reason (1007)", () => {
    for (const [payload, closeCode] of [
      [hex("03"), 1002],
      [hex("03ed"), 1002],
      [hex("0000"), 1002],
      [hex("03e8 eda080"), 1007],
    ] as const) {
      const { protocol } = clientProtocol();
      const events = feed(protocol, serverFrame(Opcode.Close, payload));
      assert.equal(
        events[0],
        `error ${closeCode} ${closeCode === 1007 ? "WS_ERR_INVALID_UTF8" : events[0]!.split(" ")[2]}`,
      );
      assert.match(sentFrames(protocol.dataToSend())[0]!, new RegExp(`^close ${closeCode}`));
    }
  });

  it("7.1.7 fail: sends the code once and asks for the transport to close", () => {
    const { protocol } = clientProtocol();
    protocol.fail(1011, "x".repeat(300));
    const sent = sentFrames(protocol.dataToSend());
    assert.equal(sent.length, 1);
    assert.ok(sent[0]!.startsWith("close 1011 xxx"));
    assert.ok(protocol.shouldCloseTransport());
    protocol.fail(1002);
    assert.deepEqual(protocol.dataToSend(), []);
  });

  it("EOF without a Close is an abnormal closure (1006)", () => {
    const { protocol } = clientProtocol();
    feed(protocol, serverFrame(Opcode.Text, "abc", false));
    protocol.receiveEof();
    assert.deepEqual(describeEvents(protocol.eventsReceived()), ["closed 1006 unclean"]);
  });

  it("the close deadline is an output; past it the protocol gives up", () => {
    const { protocol, clock } = clientProtocol({ closeTimeout: 500 });
    assert.equal(protocol.deadline(), undefined);
    protocol.sendClose(1000);
    assert.equal(protocol.deadline(), 1500);
    protocol.onDeadline(1499);
    assert.equal(protocol.state, ConnectionState.Closing);
    clock.now = 1500;
    protocol.onDeadline();
    assert.equal(protocol.state, ConnectionState.Closed);
    assert.ok(protocol.shouldCloseTransport());
    assert.deepEqual(describeEvents(protocol.eventsReceived()), ["closed 1006 unclean"]);
    assert.equal(protocol.deadline(), undefined);
  });
});

describe("local misuse is an error at once", () => {
  it("sending after Close", () => {
    const { protocol } = clientProtocol();
    protocol.sendClose(1000);
    assert.throws(
      () => protocol.sendText("x"),
      (e) => e instanceof InvalidStateError && e.code === "WS_ERR_SEND_AFTER_CLOSE",
    );
    assert.throws(() => protocol.sendPing(), InvalidStateError);
    assert.throws(() => protocol.sendClose(1000), InvalidStateError);
  });

  it("an invalid close code or a long reason throws before anything is queued", () => {
    const { protocol } = clientProtocol();
    assert.throws(() => protocol.sendClose(1005), InvalidArgumentError);
    assert.throws(() => protocol.sendClose(1000, "r".repeat(124)), InvalidArgumentError);
    assert.deepEqual(protocol.dataToSend(), []);
    assert.equal(protocol.state, ConnectionState.Open);
  });

  it("fragment order", () => {
    const { protocol } = clientProtocol();
    assert.throws(() => protocol.sendContinuation("x"), { code: "WS_ERR_FRAGMENT_ORDER" });
    protocol.sendText("a", { fin: false });
    assert.throws(() => protocol.sendBinary(utf8("b")), { code: "WS_ERR_FRAGMENT_ORDER" });
    protocol.sendPing(utf8("between"));
    protocol.sendContinuation("b", { fin: true });
    assert.deepEqual(sentFrames(protocol.dataToSend()), ["(more) text a", "ping between", "cont b"]);
  });

  it("a client's text frames carry the string's UTF-8, each its own, however many are queued", () => {
    const { protocol } = clientProtocol();
    const texts = ["héllo ✓", "", "😀 astral", "x".repeat(70_000), "a\uD800b", "last"];
    for (const t of texts) protocol.sendText(t);
    const frames = sentFrames(protocol.dataToSend());
    // A lone surrogate is sent as U+FFFD, as TextEncoder does.
    const expected = texts.map((t) => `text ${t.replace("\uD800", "\uFFFD")}`.trimEnd());
    assert.deepEqual(frames, expected);
  });

  it("bytes to send can be taken one chunk at a time, hasDataToSend telling when none is left", () => {
    const { protocol } = clientProtocol();
    assert.equal(protocol.hasDataToSend(), false);
    protocol.sendText("one");
    protocol.sendText("two");
    assert.equal(protocol.hasDataToSend(), true);
    const chunks = [protocol.nextDataToSend()!, protocol.nextDataToSend()!];
    assert.equal(protocol.nextDataToSend(), undefined);
    assert.equal(protocol.hasDataToSend(), false);
    assert.deepEqual(sentFrames(chunks), ["text one", "text two"]);
  });

  it("a server sends unmasked frames, a client masked ones", () => {
    const server = new WebSocketProtocol({ role: "server" });
    server.sendText("hi");
    assert.deepEqual(concat(server.dataToSend()), hex("81 02 6869"));
    const { protocol } = clientProtocol();
    protocol.sendText("hi");
    assert.equal((concat(protocol.dataToSend())[1]! & 0x80) !== 0, true);
  });
});

describe("properties", () => {
  it("random server bytes never throw and end in messages or one protocol error", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
        const { protocol } = clientProtocol({ maxMessageSize: 1000, maxFrameSize: 500 });
        for (const c of chunks) protocol.receiveData(c);
        protocol.receiveEof();
        const events = protocol.eventsReceived();
        assert.ok(events.filter((e) => e.kind === "protocol-error").length <= 1);
        assert.equal(events.at(-1)?.kind, "closed");
        protocol.dataToSend();
      }),
      { numRuns: 2000 },
    );
  });
});

describe("manual close reply", () => {
  it("lets data go out after the peer's Close, then replies with its code", () => {
    const server = new WebSocketProtocol({ role: "server", closeReply: "manual" });
    const { protocol: client } = clientProtocol();
    client.sendText("last words");
    client.sendClose(1000);
    server.receiveData(concat(client.dataToSend()));
    const events = describeEvents(server.eventsReceived());
    assert.deepEqual(events, ["start text single 10", "data last words", "end", "close 1000"]);
    assert.deepEqual(server.dataToSend(), [], "no automatic reply");
    server.sendText("echo: last words");
    server.replyToClose();
    assert.ok(server.shouldCloseTransport());
    client.receiveData(concat(server.dataToSend()));
    assert.deepEqual(describeEvents(client.eventsReceived()), [
      "start text single 16",
      "data echo: last words",
      "end",
      "close 1000",
    ]);
  });
  it("a Close still waiting for its reply when the transport ends is answered then, and the close is clean", () => {
    const client = new WebSocketProtocol({ role: "client", closeReply: "manual" });
    client.receiveData(serverClose(4001, "bye"));
    assert.deepEqual(describeEvents(client.eventsReceived()), ["close 4001 bye"]);
    assert.deepEqual(client.dataToSend(), [], "no automatic reply");
    client.receiveEof();
    assert.deepEqual(sentFrames(client.dataToSend()), ["close 4001"]);
    assert.deepEqual(describeEvents(client.eventsReceived()), ["closed 4001 clean"]);
    client.receiveEof();
    assert.deepEqual(client.dataToSend(), [], "answered once");
  });
});

describe("one event per whole single-frame message", () => {
  it("a frame whose payload arrives in one piece is one `message` event; a split one is start/data/end", () => {
    const { protocol } = clientProtocol();
    protocol.receiveData(serverFrame(Opcode.Binary, "whole"));
    const [only, ...rest] = protocol.eventsReceived();
    assert.equal(only?.kind, "message");
    assert.deepEqual(rest, []);
    const frameBytes = serverFrame(Opcode.Binary, "split");
    protocol.receiveData(frameBytes.slice(0, 4));
    protocol.receiveData(frameBytes.slice(4));
    assert.deepEqual(
      protocol.eventsReceived().map((e) => e.kind),
      ["message-start", "message-data", "message-data", "message-end"],
    );
  });
});

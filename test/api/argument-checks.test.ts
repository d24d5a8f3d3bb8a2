import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ClientTransport,
  Flow,
  Http,
  InvalidArgumentError,
  Keep,
  type Message,
  Sink,
  Source,
  WebSocketRequest,
} from "../../src/index.js";
import { resourceSnapshot } from "../helpers/resources.js";

/**
 * What a JavaScript caller (or `any`) can pass that the types forbid: each must throw
 * InvalidArgumentError during the call, naming the argument, and leave nothing open. Before these
 * checks most of them threw a TypeError from inside the stream engine, rejected only after a
 * connection attempt, or (a port given as a non-numeric string) listened on a Unix socket file named
 * after it in the working directory.
 */
// biome-ignore lint/suspicious/noExplicitAny: the point is to get past the types
const loose = (value: unknown): any => value;
const request = () => WebSocketRequest.create("ws://127.0.0.1:9/");
const messages = () => Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.empty<Message>(), Keep.left);

function throwsNaming(call: () => unknown, pattern: RegExp): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, `not an InvalidArgumentError: ${String(error)}`);
    assert.equal(error.code, "WS_ERR_INVALID_ARGUMENT");
    assert.match(error.message, pattern);
    return true;
  });
}

describe("arguments of the wrong kind throw InvalidArgumentError at the call", () => {
  it("client calls: the request, the client flow, the per-call options", async () => {
    const snapshot = resourceSnapshot();
    const http = Http.get();
    throwsNaming(
      () => http.singleWebSocketRequest(loose("ws://127.0.0.1:9/"), messages()),
      /^request must be a WebSocketRequest.*got the string "ws:\/\/127\.0\.0\.1:9\/"$/,
    );
    throwsNaming(
      () => http.webSocketClientFlow(loose({ uri: "ws://h/" })),
      /^request must be .*got a plain object$/,
    );
    throwsNaming(() => http.webSocketClientLayer(loose(undefined)), /^request must be .*got undefined$/);
    throwsNaming(
      () => http.singleWebSocketRequest(request(), loose(Sink.ignore())),
      /^clientFlow must be .*got a Sink$/,
    );
    throwsNaming(() => http.singleWebSocketRequest(request(), loose("x")), /^clientFlow must be/);
    throwsNaming(
      () => http.singleWebSocketRequest(request(), messages(), loose("x")),
      /^options must be an object/,
    );
    throwsNaming(
      () =>
        http.singleWebSocketRequest(request(), messages(), {
          transport: loose(ClientTransport.inMemory(() => Flow.create<Message>())),
        }),
      /^options\.transport must be a Flow of bytes \(a ClientTransport goes in the settings/,
    );
    throwsNaming(
      () => http.singleWebSocketRequest(request(), messages(), { signal: loose("abort") }),
      /^options\.signal must be an AbortSignal/,
    );
    throwsNaming(
      () => http.singleWebSocketRequest(request(), messages(), { lookup: loose("8.8.8.8") }),
      /^options\.lookup must be a function/,
    );
    throwsNaming(
      () => http.webSocketClientFlow(request(), { localAddress: loose(127001) }),
      /^options\.localAddress must be a string, got 127001$/,
    );
    throwsNaming(
      () => http.webSocketClientFlow(request(), { tls: loose(true) }),
      /^options\.tls must be an object/,
    );
    // A ClientTransport whose connectTo gives something else than a Flow.
    const odd = Http.create({ transport: { connectTo: () => loose({}) } });
    throwsNaming(
      () => odd.singleWebSocketRequest(request(), messages()),
      /^what the transport's connectTo returned must be a Flow of bytes/,
    );
    await snapshot.check();
  });

  it("WebSocketRequest: headers and subprotocols that are not strings", () => {
    const header = (call: () => unknown, pattern: RegExp) =>
      assert.throws(call, (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.equal(error.code, "WS_ERR_INVALID_HEADER");
        assert.match(error.message, pattern);
        return true;
      });
    header(() => request().addHeader(loose(5), loose(6)), /^addHeader takes a name and a value .*got 5$/);
    header(() => request().addHeader("X-Count", loose(6)), /^the value of header X-Count must be a string$/);
    header(() => request().addHeader(loose({ name: 7, value: "x" })), /^invalid header name 7/);
    // A number passed the token pattern as its digits before.
    throwsNaming(() => request().requestSubprotocol(loose(5)), /^invalid subprotocol 5: not an HTTP token$/);
  });

  it("settings: the sections, the functions and the transport", () => {
    throwsNaming(() => Http.create(loose("fast")), /^settings must be an object of options/);
    throwsNaming(() => Http.create({ websocket: loose("x") }), /^settings\.websocket must be/);
    throwsNaming(() => Http.create({ parsing: loose(1) }), /^settings\.parsing must be/);
    throwsNaming(() => Http.create({ userAgent: loose(5) }), /^userAgent must be a string, got 5$/);
    throwsNaming(
      () => Http.create({ websocket: { periodicKeepAliveData: loose(new Uint8Array(1)) } }),
      /^websocket\.periodicKeepAliveData must be a function, got a Uint8Array$/,
    );
    throwsNaming(() => Http.create({ websocket: { randomFactory: loose(1) } }), /^websocket\.randomFactory/);
    throwsNaming(
      () => Http.create({ websocket: { logFrames: loose("yes") } }),
      /^websocket\.logFrames must be a boolean or a function/,
    );
    throwsNaming(
      () => Http.create({ transport: loose(Flow.create()) }),
      /^transport must be a ClientTransport/,
    );
    // The same checks for per-call settings.
    throwsNaming(
      () => Http.get().webSocketClientFlow(request(), { settings: { transport: loose("tcp") } }),
      /^transport must be a ClientTransport/,
    );
    // What is valid stays valid.
    Http.create({
      websocket: { logFrames: () => {}, randomFactory: (b) => b.fill(1) },
      userAgent: undefined,
    });
  });

  it("servers: host, port, handler and options", async () => {
    const snapshot = resourceSnapshot();
    const http = Http.get();
    const echo = () => Flow.create<Message>();
    throwsNaming(
      () => http.newServerAt("127.0.0.1", loose("8080")),
      /^port must be a number, an integer from 0 to 65535, got the string "8080"$/,
    );
    throwsNaming(() => http.newServerAt("127.0.0.1", 65536), /^port must be .*got 65536$/);
    throwsNaming(() => http.newServerAt("127.0.0.1", 1.5), /^port must be/);
    throwsNaming(() => http.newServerAt(loose(5), 0), /^host must be a non-empty string, got 5$/);
    throwsNaming(() => http.newServerAt("", 0), /^host must be a non-empty string/);
    throwsNaming(() => http.newServerAt("127.0.0.1", 0, { onHandlerError: loose("log") }), /onHandlerError/);
    throwsNaming(
      () => http.newServerAt("127.0.0.1", 0).bindFlow(loose(echo())),
      /^a WebSocket handler must be a function, got a Flow$/,
    );
    throwsNaming(
      () => http.webSocketUpgradeListener(loose(123)),
      /^a WebSocket handler must be a function, got 123$/,
    );
    throwsNaming(() => http.webSocketUpgradeListener(echo, loose("x")), /^options must be an object/);
    throwsNaming(
      () => ClientTransport.inMemory(loose(null)),
      /^a WebSocket handler must be a function, got null$/,
    );
    // A valid server still binds.
    const binding = await http.newServerAt("127.0.0.1", 0).bindFlow(echo);
    await binding.unbind();
    await snapshot.check();
  });
});

/**
 * Half-closed WebSockets. Completing the outgoing side closes the connection (Close 1000), as in
 * Akka: `Source.empty()` closes at once. To only listen, keep the outgoing side open with
 * `Source.maybe()` and complete its handle when done; to send some messages and keep listening,
 * concatenate them with `Source.maybe()`.
 */
import { Flow, Http, Keep, type Message, Sink, Source, TextMessage, WebSocketRequest } from "../src/index.js";
import { runIfMain } from "./run-if-main.js";

/** Sends nothing and closes at once. */
export async function closeAtOnce(url: string): Promise<Message[]> {
  const flow = Flow.fromSinkAndSourceMat(Sink.seq<Message>(), Source.empty<Message>(), Keep.left);
  const [, received] = Http.get().singleWebSocketRequest(WebSocketRequest.create(url), flow);
  return received;
}

/** Listens until `stopAfterMs`, then completes the outgoing side, which closes the connection. */
export async function listenOnly(url: string, stopAfterMs: number): Promise<Message[]> {
  const flow = Flow.fromSinkAndSourceMat(Sink.seq<Message>(), Source.maybe<Message>(), Keep.both);
  const [, [received, outgoing]] = Http.get().singleWebSocketRequest(WebSocketRequest.create(url), flow);
  setTimeout(() => outgoing.complete(undefined), stopAfterMs);
  return received;
}

/** Sends a few messages, then keeps listening until `stopAfterMs`. */
export async function sendThenListen(url: string, stopAfterMs: number): Promise<Message[]> {
  const outgoing = Source.from<Message>([TextMessage.create("one"), TextMessage.create("two")]).concatMat(
    Source.maybe<Message>(),
    Keep.right,
  );
  const flow = Flow.fromSinkAndSourceMat(Sink.seq<Message>(), outgoing, Keep.both);
  const [, [received, handle]] = Http.get().singleWebSocketRequest(WebSocketRequest.create(url), flow);
  setTimeout(() => handle.complete(undefined), stopAfterMs);
  return received;
}

runIfMain(import.meta.url, async (url) => (await sendThenListen(url, 1000)).map(String));

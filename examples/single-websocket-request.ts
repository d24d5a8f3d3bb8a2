/**
 * The seed's "single-WebSocket-request" example: send one message, print every incoming message.
 */
import { Flow, Http, Keep, type Message, Sink, Source, TextMessage, WebSocketRequest } from "../src/index.js";
import { runIfMain } from "./run-if-main.js";

export async function singleWebSocketRequestExample(
  url: string,
  print: (line: string) => void = console.log,
): Promise<void> {
  const http = Http.get();

  // print each incoming text message
  const printSink = Sink.foreach<Message>((message) =>
    print(`Got: ${message.asTextMessage().getStrictText()}`),
  );

  // send this as a message over the WebSocket
  const helloSource = Source.single<Message>(TextMessage.create("hello world"));

  // the Promise<void> is the materialized value of Sink.foreach and it is completed when the stream completes
  const flow = Flow.fromSinkAndSourceMat(printSink, helloSource, Keep.left);

  const [upgradeResponse, closed] = http.singleWebSocketRequest(WebSocketRequest.create(url), flow);

  const connected = upgradeResponse.then((upgrade) => {
    // just like a regular http request we can access the response status
    if (upgrade.response.status === 101) return;
    throw new Error(`Connection failed: ${upgrade.response.status}`);
  });

  await connected;
  await closed;
}

runIfMain(import.meta.url, singleWebSocketRequestExample);

/**
 * The seed's "WebSocket-client-flow" example: the connection as a Flow you connect a Source and a
 * Sink to. The flow can be materialized once; call webSocketClientFlow again for a new connection.
 */
import { Http, Keep, type Message, Sink, Source, TextMessage, WebSocketRequest } from "../src/index.js";
import { runIfMain } from "./run-if-main.js";

export async function webSocketClientFlowExample(
  url: string,
  print: (line: string) => void = console.log,
): Promise<void> {
  const http = Http.get();

  const printSink = Sink.foreach<Message>((message) =>
    print(`Got: ${message.asTextMessage().getStrictText()}`),
  );
  const helloSource = Source.single<Message>(TextMessage.create("hello world"));

  const webSocketFlow = http.webSocketClientFlow(WebSocketRequest.create(url));

  const [upgradeResponse, closed] = helloSource
    .viaMat(webSocketFlow, Keep.right) // keep the materialized Promise<WebSocketUpgradeResponse>
    .toMat(printSink, Keep.both) // also keep the Promise<void>
    .run();

  const upgrade = await upgradeResponse;
  if (upgrade.response.status !== 101) throw new Error(`Connection failed: ${upgrade.response.status}`);
  await closed;
}

runIfMain(import.meta.url, webSocketClientFlowExample);

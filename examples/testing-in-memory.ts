/**
 * Testing code built on wsflow without a network: `ClientTransport.inMemory(handler)` serves a
 * handler in the same process, as `newServerAt(...).bindFlow(handler)` would. The application code
 * below takes its `Http` as a parameter; the test hands it one whose transport is in memory.
 */
import {
  ClientTransport,
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../src/index.js";

/** The application's code: asks a quote service for `symbol` and returns the first answer. */
export async function fetchQuote(http: Http, url: string, symbol: string): Promise<string> {
  const [, reply] = http.singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(
      Sink.head<Message>(),
      Source.single<Message>(TextMessage.create(JSON.stringify({ subscribe: symbol }))),
      Keep.left,
    ),
  );
  return (await (await reply).asTextMessage().toStrict(1000)).getStrictText();
}

/** The test's side: a fake quote service answering each subscription, reached in memory. */
export async function testFetchQuote(): Promise<string> {
  const fakeService = ClientTransport.inMemory(() =>
    Flow.create<Message>().map((m) => {
      const { subscribe } = JSON.parse(m.asTextMessage().getStrictText()) as { subscribe: string };
      return TextMessage.create(`${subscribe} 101.25`);
    }),
  );
  try {
    return await fetchQuote(Http.create({ transport: fakeService }), "ws://quotes.test/stream", "ACME");
  } finally {
    await fakeService.close();
  }
}

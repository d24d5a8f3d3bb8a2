/** The tests' usual exchanges: send a few messages on a new connection, collect every message back. */
import {
  Flow,
  type Http,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../../src/index.js";

/** `http.singleWebSocketRequest` to `url` sending `texts`, collecting what comes back until the close. */
export function sendTexts(
  http: Http,
  url: string,
  texts: readonly string[],
  options: Parameters<Http["singleWebSocketRequest"]>[2] = {},
) {
  return http.singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(
      Sink.seq<Message>(),
      Source.from<Message>(texts.map((t) => TextMessage.create(t))),
      Keep.left,
    ),
    options,
  );
}

/**
 * Sends `messages` on a new connection (`request` or a URL) and resolves with the upgrade and every
 * message that came back, streamed ones made strict.
 */
export async function exchangeStrict(
  http: Http,
  request: WebSocketRequest | string,
  messages: readonly Message[],
  options: Parameters<Http["singleWebSocketRequest"]>[2] = {},
) {
  const [upgrade, received] = http.singleWebSocketRequest(
    typeof request === "string" ? WebSocketRequest.create(request) : request,
    Flow.fromSinkAndSourceMat(
      Flow.create<Message>()
        .mapAsync(1, (m): Promise<Message> => m.toStrict(5000))
        .toMat(Sink.seq<Message>(), Keep.right),
      Source.from(messages),
      Keep.left,
    ),
    options,
  );
  return { upgrade: await upgrade, received: await received };
}

/** The texts of strict text messages. */
export const textsOf = (messages: readonly Message[]): string[] =>
  messages.map((m) => m.asTextMessage().getStrictText());

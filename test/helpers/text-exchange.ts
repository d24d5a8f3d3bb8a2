/** The tests' usual exchange: send a few texts on a new connection, collect every message back. */
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

/** The texts of strict text messages. */
export const textsOf = (messages: readonly Message[]): string[] =>
  messages.map((m) => m.asTextMessage().getStrictText());

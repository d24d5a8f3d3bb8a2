/** A client that listens (Source.maybe outgoing) and collects strict text messages. */
import {
  Flow,
  Http,
  Keep,
  type MaybeHandle,
  type Message,
  Sink,
  Source,
  type WebSocketClientOptions,
  WebSocketRequest,
  type WebSocketUpgradeResponse,
} from "../../src/index.js";

export interface Listening {
  readonly upgrade: Promise<WebSocketUpgradeResponse>;
  /** The incoming side: resolves on a normal close, rejects with the failure. */
  readonly done: Promise<void>;
  readonly messages: string[];
  readonly outgoing: MaybeHandle<Message>;
}

export function listen(url: string, options: WebSocketClientOptions = {}): Listening {
  const messages: string[] = [];
  const sink = Sink.foreachAsync<Message>(1, async (m) => {
    const strict = await m.toStrict(5_000);
    messages.push(
      strict.isText() ? strict.getStrictText() : `<${strict.asBinaryMessage().getStrictData().length} bytes>`,
    );
  });
  const [upgrade, [done, outgoing]] = Http.get().singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(sink, Source.maybe<Message>(), Keep.both),
    {
      ...options,
      settings: { ...options.settings, websocket: { closeTimeout: 200, ...options.settings?.websocket } },
    },
  );
  return { upgrade, done, messages, outgoing };
}

/**
 * The seed's webSocketClientLayer: the protocol as a BidiFlow detached from TCP, joined here with
 * `Tcp.outgoingConnection` (any byte Flow works: TLS, a proxy tunnel, an in-memory pipe).
 */
import {
  type Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  Tcp,
  TextMessage,
  WebSocketRequest,
} from "../src/index.js";
import { runIfMain } from "./run-if-main.js";

export async function clientLayerExample(
  url: string,
  transport?: Flow<Uint8Array, Uint8Array, unknown>,
): Promise<string[]> {
  const request = WebSocketRequest.create(url);
  const layer = Http.get().webSocketClientLayer(request);
  const bytes = transport ?? Tcp.outgoingConnection(request.uri.host, request.uri.port);
  const client = layer.joinMat(bytes, Keep.left);
  const [upgrade, received] = Source.from<Message>([
    TextMessage.create("over"),
    TextMessage.create("the layer"),
  ])
    .viaMat(client, Keep.right)
    .toMat(Sink.seq<Message>(), Keep.both)
    .run();
  if (!(await upgrade).isValid) throw new Error("upgrade failed");
  return (await received).map((m) => m.asTextMessage().getStrictText());
}

runIfMain(import.meta.url, clientLayerExample);

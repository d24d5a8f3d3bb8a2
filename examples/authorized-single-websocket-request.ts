/** The seed's "authorized-single-WebSocket-request" example: extra headers, here HTTP Basic Auth. */
import {
  Authorization,
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../src/index.js";
import { runIfMain } from "./run-if-main.js";

export async function authorizedSingleWebSocketRequestExample(url: string): Promise<number> {
  const flow = Flow.fromSinkAndSourceMat(
    Sink.ignore<Message>(),
    Source.single<Message>(TextMessage.create("hello world")),
    Keep.left,
  );
  const request = WebSocketRequest.create(url).addHeader(
    Authorization.basic("johan", "correcthorsebatterystaple"),
  );
  const [upgradeResponse, closed] = Http.get().singleWebSocketRequest(request, flow);
  const upgrade = await upgradeResponse;
  await closed;
  return upgrade.response.status;
}

runIfMain(import.meta.url, authorizedSingleWebSocketRequestExample);

/**
 * The embedded echo server: every message back as it came (strict or streamed). It accepts
 * permessage-deflate when the client offers it, so `--deflate` works without a server of one's own.
 */
import { Flow, Http, type Message, type ServerBinding } from "../index.js";

export function startEchoServer(host: string, port: number): Promise<ServerBinding> {
  return Http.get()
    .newServerAt(host, port, { settings: { websocket: { perMessageDeflate: true } } })
    .bindFlow(() => Flow.create<Message>());
}

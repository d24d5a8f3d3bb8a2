/** The embedded echo server: every message back as it came (strict or streamed). */
import { Flow, Http, type Message, type ServerBinding } from "../index.js";

export function startEchoServer(host: string, port: number): Promise<ServerBinding> {
  return Http.get()
    .newServerAt(host, port)
    .bindFlow(() => Flow.create<Message>());
}

/**
 * An in-memory WebSocket echo server as a byte Flow: the client layer joined with it runs with
 * no socket at all. It answers the handshake and echoes messages using wsflow's own sans-I/O
 * server-side protocol.
 */
import { computeAcceptKey } from "../../src/handshake/index.js";
import { WebSocketProtocol } from "../../src/protocol/index.js";
import { Flow, LinearStageLogic } from "../../src/stream/index.js";

class InMemoryEchoLogic extends LinearStageLogic<Uint8Array, Uint8Array> {
  private head = "";
  private protocol: WebSocketProtocol | undefined;
  private readonly queue: Uint8Array[] = [];
  private message: { text: boolean; parts: Uint8Array[] } | undefined;

  override preStart(): void {
    this.pull(this.in); // a server reads first: the client speaks first
  }

  onPush(): void {
    const chunk = this.grab(this.in);
    if (!this.protocol) {
      this.head += Buffer.from(chunk).toString("latin1");
      const end = this.head.indexOf("\r\n\r\n");
      if (end === -1) return this.pull(this.in);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(this.head)?.[1] ?? "";
      this.protocol = new WebSocketProtocol({ role: "server" });
      this.queue.push(
        Buffer.from(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`,
        ),
      );
      const rest = Buffer.from(this.head.slice(end + 4), "latin1");
      if (rest.length > 0) this.feed(rest);
    } else {
      this.feed(chunk);
    }
    this.flush();
  }

  override onPull(): void {
    this.flush();
  }

  onUpstreamFinish(): void {
    this.protocol?.receiveEof();
    this.completeStage();
  }

  private feed(bytes: Uint8Array): void {
    const protocol = this.protocol!;
    protocol.receiveData(bytes.slice());
    for (const e of protocol.eventsReceived()) {
      if (e.kind === "message") {
        if (e.messageType === "text") protocol.sendText(e.data.slice());
        else protocol.sendBinary(e.data.slice());
      } else if (e.kind === "message-start") this.message = { text: e.messageType === "text", parts: [] };
      else if (e.kind === "message-data") this.message!.parts.push(e.data.slice());
      else if (e.kind === "message-end") {
        const data = Buffer.concat(this.message!.parts);
        if (this.message!.text) protocol.sendText(data);
        else protocol.sendBinary(data);
      }
    }
    for (const b of protocol.dataToSend()) this.queue.push(b);
  }

  private flush(): void {
    if (this.queue.length > 0 && this.isAvailable(this.out)) this.push(this.out, this.queue.shift()!);
    if (this.queue.length === 0 && this.protocol?.shouldCloseTransport()) return this.completeStage();
    if (!this.hasBeenPulled(this.in) && !this.isClosed(this.in) && this.queue.length === 0)
      this.pull(this.in);
  }
}

/** A fresh in-memory echo server per materialization. */
export function inMemoryEchoServer(): Flow<Uint8Array, Uint8Array, undefined> {
  return Flow.fromStage(() => new InMemoryEchoLogic());
}

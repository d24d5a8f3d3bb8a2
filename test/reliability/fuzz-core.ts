/**
 * Fuzzing the client's receive path: a server (in memory, no sockets) answers the handshake, then
 * sends random or mutated frame streams in random chunks and closes. Every run must end with
 * normal messages and a close, or a clean, documented failure: never an uncaught exception, never
 * a hang.
 */
import { computeAcceptKey } from "../../src/handshake/index.js";
import {
  encodeUnmaskedFrame,
  Flow,
  Http,
  Keep,
  LinearStageLogic,
  type Message,
  Opcode,
  Sink,
  Source,
  WebSocketRequest,
} from "../../src/index.js";
import { seededRandom } from "../helpers/seeded-random.js";

class FuzzServerLogic extends LinearStageLogic<Uint8Array, Uint8Array> {
  private answered = false;
  private readonly outgoing: Uint8Array[] = [];

  constructor(
    private readonly script: Uint8Array,
    private readonly random: () => number,
  ) {
    super();
  }
  override preStart(): void {
    this.pull(this.in);
  }
  onPush(): void {
    const bytes = this.grab(this.in);
    if (!this.answered) {
      this.answered = true;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(Buffer.from(bytes).toString("latin1"))?.[1] ?? "";
      const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`;
      const all = Buffer.concat([Buffer.from(head), this.script]);
      for (let at = 0; at < all.length; ) {
        const n = 1 + Math.floor(this.random() * 64);
        this.outgoing.push(all.subarray(at, at + n));
        at += n;
      }
      if (this.isAvailable(this.out)) this.onPull();
    }
    if (!this.isClosed(this.in)) this.pull(this.in);
  }
  override onPull(): void {
    const next = this.outgoing.shift();
    if (next) this.push(this.out, next);
    else if (this.answered) this.complete(this.out); // EOF after the script
  }
  onUpstreamFinish(): void {}
}

/** Codes a fuzzed connection may legitimately fail with. */
export const DOCUMENTED_FAILURES = new Set([
  "WS_ERR_UNEXPECTED_RSV",
  "WS_ERR_INVALID_OPCODE",
  "WS_ERR_FRAGMENTED_CONTROL",
  "WS_ERR_CONTROL_TOO_LONG",
  "WS_ERR_INVALID_LENGTH",
  "WS_ERR_UNEXPECTED_MASK",
  "WS_ERR_UNEXPECTED_CONTINUATION",
  "WS_ERR_EXPECTED_CONTINUATION",
  "WS_ERR_INVALID_CLOSE_PAYLOAD",
  "WS_ERR_INVALID_CLOSE_CODE",
  "WS_ERR_INVALID_UTF8",
  "WS_ERR_FRAME_TOO_BIG",
  "WS_ERR_MESSAGE_TOO_BIG",
  "WS_ERR_ABNORMAL_CLOSURE",
  "WS_ERR_PEER_CLOSED",
  "WS_ERR_INCOMPLETE_MESSAGE",
]);

/** A random sequence of valid server frames. */
function validScript(random: () => number): Uint8Array {
  const parts: Uint8Array[] = [];
  const frames = 1 + Math.floor(random() * 6);
  for (let i = 0; i < frames; i++) {
    const kind = random();
    const payload = new Uint8Array(Math.floor(random() * 200)).map(() => 0x20 + Math.floor(random() * 90));
    if (kind < 0.5) parts.push(...encodeUnmaskedFrame(Opcode.Text, payload));
    else if (kind < 0.7) parts.push(...encodeUnmaskedFrame(Opcode.Binary, payload));
    else if (kind < 0.8) parts.push(...encodeUnmaskedFrame(Opcode.Ping, payload.subarray(0, 100)));
    else {
      parts.push(...encodeUnmaskedFrame(Opcode.Text, payload, { fin: false }));
      parts.push(...encodeUnmaskedFrame(Opcode.Continuation, payload, { fin: true }));
    }
  }
  if (random() < 0.5) parts.push(...encodeUnmaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8)));
  return Buffer.concat(parts);
}

/** Random bytes, or a valid script with some bytes flipped, cut or inserted. */
export function fuzzScript(random: () => number): Uint8Array {
  if (random() < 0.2) return new Uint8Array(Math.floor(random() * 300)).map(() => Math.floor(random() * 256));
  const bytes = Array.from(validScript(random));
  const mutations = Math.floor(random() * 4);
  for (let m = 0; m < mutations && bytes.length > 0; m++) {
    const at = Math.floor(random() * bytes.length);
    const what = random();
    if (what < 0.5) bytes[at] = Math.floor(random() * 256);
    else if (what < 0.7) bytes[at]! ^= 1 << Math.floor(random() * 8);
    else if (what < 0.85) bytes.splice(at, 1 + Math.floor(random() * 8));
    else bytes.splice(at, 0, Math.floor(random() * 256));
  }
  return Uint8Array.from(bytes);
}

export interface FuzzOutcome {
  readonly kind: "normal" | "failed";
  readonly code?: string;
  readonly messages: number;
}

/** Runs one fuzzed connection; rejects if it breaks a rule (hang, undocumented failure). */
export async function fuzzOnce(seed: number): Promise<FuzzOutcome> {
  const random = seededRandom(seed);
  const script = fuzzScript(random);
  let messages = 0;
  const [upgrade, done] = Http.get().singleWebSocketRequest(
    WebSocketRequest.create("ws://fuzz.test/"),
    Flow.fromSinkAndSourceMat(
      Sink.foreachAsync<Message>(1, async (m) => {
        await (m.isText() ? m.asTextMessage().toStrict(2000) : m.asBinaryMessage().toStrict(2000));
        messages++;
      }),
      Source.maybe<Message>(),
      Keep.left,
    ),
    {
      transport: Flow.fromStage(() => new FuzzServerLogic(script, random)),
      settings: { websocket: { closeTimeout: 50, maxMessageSize: 100_000, streamedMessageTimeout: 1000 } },
    },
  );
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`seed ${seed}: the connection did not end within 5 s`)), 5000).unref(),
  );
  try {
    await Promise.race([upgrade, timeout]);
    await Promise.race([done, timeout]);
    return { kind: "normal", messages };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === undefined || !DOCUMENTED_FAILURES.has(code)) {
      throw new Error(`seed ${seed}: undocumented outcome ${code ?? String(error)}`, { cause: error });
    }
    return { kind: "failed", code, messages };
  }
}

/**
 * Fuzzing the client's receive path: a server (in memory, no sockets) answers the handshake, then
 * sends random or mutated frame streams in random chunks and closes. Some runs negotiate
 * permessage-deflate, and their messages go compressed as a server keeping its context (or not,
 * as the client asked) would send them. Every run must end with normal messages and a close, or a
 * clean, documented failure: never an uncaught exception, never a hang.
 */
import { deflateRawSync } from "node:zlib";
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

/** What the fuzz server sends after its 101, given the client's request head. */
type Script = (request: string) => { readonly extensions: string | undefined; readonly bytes: Uint8Array };

class FuzzServerLogic extends LinearStageLogic<Uint8Array, Uint8Array> {
  private answered = false;
  private readonly outgoing: Uint8Array[] = [];

  constructor(
    private readonly script: Script,
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
      const request = Buffer.from(bytes).toString("latin1");
      const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? "";
      const { extensions, bytes: script } = this.script(request);
      const head =
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n` +
        `${extensions === undefined ? "" : `Sec-WebSocket-Extensions: ${extensions}\r\n`}\r\n`;
      const all = Buffer.concat([Buffer.from(head), script]);
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
  "WS_ERR_INVALID_COMPRESSED_DATA",
]);

/**
 * A server's permessage-deflate: each message compressed on its own, or (`takeover`) after the
 * window of those before it, as one zlib stream keeping its context would.
 */
class ServerCompressor {
  private window = new Uint8Array(0);
  constructor(private readonly takeover: boolean) {}
  compress(payload: Uint8Array): Uint8Array {
    const out = deflateRawSync(payload, {
      finishFlush: 2,
      ...(this.takeover && this.window.length > 0 ? { dictionary: this.window } : {}),
    });
    if (this.takeover) this.window = Buffer.concat([this.window, payload]).subarray(-32768);
    return out.subarray(0, out.length - 4); // the sync flush's tail goes (RFC 7692 §7.2.1)
  }
}

/** A random sequence of valid server frames; under `compressor`, about half the messages go compressed. */
function validScript(random: () => number, compressor?: ServerCompressor): Uint8Array {
  const parts: Uint8Array[] = [];
  const frames = 1 + Math.floor(random() * 6);
  for (let i = 0; i < frames; i++) {
    const kind = random();
    let payload: Uint8Array = new Uint8Array(Math.floor(random() * 200)).map(
      () => 0x20 + Math.floor(random() * 90),
    );
    const rsv1 = compressor !== undefined && kind < 0.7 && random() < 0.5;
    if (rsv1) payload = compressor.compress(payload);
    if (kind < 0.5) parts.push(...encodeUnmaskedFrame(Opcode.Text, payload, { rsv1 }));
    else if (kind < 0.7) parts.push(...encodeUnmaskedFrame(Opcode.Binary, payload, { rsv1 }));
    else if (kind < 0.8) parts.push(...encodeUnmaskedFrame(Opcode.Ping, payload.subarray(0, 100)));
    else {
      const half = payload.length >> 1;
      parts.push(...encodeUnmaskedFrame(Opcode.Text, payload.subarray(0, half), { fin: false }));
      parts.push(...encodeUnmaskedFrame(Opcode.Continuation, payload.subarray(half), { fin: true }));
    }
  }
  if (random() < 0.5) parts.push(...encodeUnmaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8)));
  return Buffer.concat(parts);
}

/** Random bytes (one run in five), or `valid()` with up to three bytes flipped, cut or inserted. */
export function mutated(random: () => number, valid: () => Uint8Array): Uint8Array {
  if (random() < 0.2) return new Uint8Array(Math.floor(random() * 300)).map(() => Math.floor(random() * 256));
  const bytes = Array.from(valid());
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

/** Random bytes, or a valid script with some bytes flipped, cut or inserted. */
function fuzzScript(random: () => number, compressor?: ServerCompressor): Uint8Array {
  return mutated(random, () => validScript(random, compressor));
}

/** The script of one run: with `deflate`, the server accepts the client's offer as it was made. */
function scriptFor(random: () => number, deflate: boolean): Script {
  return (request) => {
    const offer = /sec-websocket-extensions:\s*([^\r\n]*)/i.exec(request)?.[1];
    if (!deflate || offer === undefined) return { extensions: undefined, bytes: fuzzScript(random) };
    const takeover = !offer.includes("server_no_context_takeover");
    return {
      extensions: takeover ? "permessage-deflate" : "permessage-deflate; server_no_context_takeover",
      bytes: fuzzScript(random, new ServerCompressor(takeover)),
    };
  };
}

export interface FuzzOutcome {
  readonly kind: "normal" | "failed";
  readonly code?: string;
  readonly messages: number;
  /** permessage-deflate was negotiated. */
  readonly compressed: boolean;
}

/** Runs one fuzzed connection; rejects if it breaks a rule (hang, undocumented failure). */
export async function fuzzOnce(seed: number): Promise<FuzzOutcome> {
  const random = seededRandom(seed);
  const deflate = random() < 0.3;
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
      transport: Flow.fromStage(() => new FuzzServerLogic(scriptFor(random, deflate), random)),
      settings: {
        websocket: {
          closeTimeout: 50,
          maxMessageSize: 100_000,
          streamedMessageTimeout: 1000,
          perMessageDeflate: deflate,
        },
      },
    },
  );
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`seed ${seed}: the connection did not end within 5 s`)), 5000).unref(),
  );
  let compressed = false;
  try {
    const response = await Promise.race([upgrade, timeout]);
    compressed = response.extensions.length > 0;
    await Promise.race([done, timeout]);
    return { kind: "normal", messages, compressed };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === undefined || !DOCUMENTED_FAILURES.has(code)) {
      throw new Error(`seed ${seed}: undocumented outcome ${code ?? String(error)}`, { cause: error });
    }
    return { kind: "failed", code, messages, compressed };
  }
}

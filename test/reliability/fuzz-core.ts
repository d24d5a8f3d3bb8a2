/**
 * Fuzzing the client's receive path: a server (in memory, no sockets) answers the handshake, then
 * sends random or mutated frame streams in random chunks and closes. Some runs negotiate
 * permessage-deflate, and their messages go compressed as a server keeping its context (or not,
 * as the client asked) would send them. Every run must end with normal messages and a close, or a
 * clean, documented failure: never an uncaught exception, never a hang. A run whose script is
 * valid (about one in five: no mutation) is also held to the script's model: the same messages,
 * byte for byte, a pong for every ping and the Close answered (`checkModel`).
 */
import { isDeepStrictEqual } from "node:util";
import { deflateRawSync } from "node:zlib";
import {
  FrameDecoder,
  type FrameDecoderHandler,
  type FrameHeader,
  type ProtocolViolation,
} from "../../src/codec/index.js";
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
import { piecesAt } from "../helpers/chunkings.js";
import { Deadline } from "../helpers/deadline.js";
import { shown } from "../helpers/message-arbitrary.js";
import { seededRandom } from "../helpers/seeded-random.js";

/** What the fuzz server sends after its 101; `model` when the bytes are a valid script, unmutated. */
interface ServerScript {
  readonly bytes: Uint8Array;
  readonly model: ScriptModel | undefined;
}

/** The fuzz server's script, given the client's request head; `extensions` is its answer to the offer. */
type Script = (request: string) => ServerScript & { readonly extensions: string | undefined };

class FuzzServerLogic extends LinearStageLogic<Uint8Array, Uint8Array> {
  private answered = false;
  private readonly outgoing: Uint8Array[] = [];
  private markFinished: () => void = () => {};
  /** Settles when the client's side of the connection ended (or the stage stopped). */
  readonly finished = new Promise<void>((resolve) => {
    this.markFinished = resolve;
  });
  /** The script's model, once the request came (undefined for a mutated script). */
  model: ScriptModel | undefined;
  /** What the client sent after the handshake: its pongs' payloads, its Close codes (-1: none given). */
  readonly pongs: Uint8Array[] = [];
  readonly closeCodes: number[] = [];
  private readonly clientFrames = new FrameDecoder(new ClientFrameLog(this.pongs, this.closeCodes), {
    expectMasked: true,
  });

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
      const { extensions, bytes: script, model } = this.script(request);
      this.model = model;
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
    } else {
      this.clientFrames.push(bytes);
    }
    if (!this.isClosed(this.in)) this.pull(this.in);
  }
  override onPull(): void {
    const next = this.outgoing.shift();
    if (next) this.push(this.out, next);
    // EOF right behind the script's last bytes, as a FIN arrives whether or not the client reads on.
    if (this.answered && this.outgoing.length === 0) this.complete(this.out);
  }
  onUpstreamFinish(): void {
    this.markFinished();
  }
  override postStop(): void {
    this.markFinished();
  }
}

/** Keeps the pongs and Close codes among the client's frames. */
class ClientFrameLog implements FrameDecoderHandler {
  private opcode = -1;
  private payload: Uint8Array[] = [];
  constructor(
    private readonly pongs: Uint8Array[],
    private readonly closeCodes: number[],
  ) {}
  onFrameStart(header: FrameHeader): void {
    this.opcode = header.opcode;
    this.payload = [];
  }
  onFramePayload(chunk: Uint8Array): void {
    this.payload.push(chunk.slice());
  }
  onFrameEnd(): void {
    const payload = Buffer.concat(this.payload);
    if (this.opcode === Opcode.Pong) this.pongs.push(payload);
    else if (this.opcode === Opcode.Close)
      this.closeCodes.push(payload.length >= 2 ? payload.readUInt16BE(0) : -1);
  }
  onViolation(violation: ProtocolViolation): void {
    throw new Error(`the client sent an invalid frame: ${violation.code}`);
  }
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

/** What a valid script must produce at the client, exactly. */
export interface ScriptModel {
  /** The data messages, in order: text as its string, binary as its bytes. */
  readonly messages: readonly (string | Uint8Array)[];
  /** The payloads of the server's pings, in order: the client's pongs must carry the same. */
  readonly pings: readonly Uint8Array[];
  /** The script ends with a Close 1000 (else with the server's EOF, an abnormal closure). */
  readonly closes: boolean;
}

/** Text from all four UTF-8 lengths (a U+FEFF among them), which fragment cuts split anywhere. */
const TEXT_UNITS = ["a", "Z", " ", "{", "é", "Ω", "✓", "\uFEFF", "世", "😀", "𝄞"];

export function randomText(random: () => number, maxUnits: number): string {
  let text = "";
  const units = Math.floor(random() * maxUnits);
  for (let i = 0; i < units; i++) text += TEXT_UNITS[Math.floor(random() * TEXT_UNITS.length)];
  return text;
}

/** `bytes` cut into 1-4 fragments at random offsets (empty ones included). */
export function fragmentsOf(random: () => number, bytes: Uint8Array): Uint8Array[] {
  return piecesAt(
    bytes,
    Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * (bytes.length + 1))),
  );
}

/**
 * A random sequence of valid server frames and what the client must make of it: text of every
 * UTF-8 length and binary, whole or fragmented at any byte with pings between the fragments, now
 * and then larger than the client's strictThreshold (so it arrives streamed). Under `compressor`,
 * about half the messages go compressed, fragmented ones included.
 */
function validScript(
  random: () => number,
  compressor?: ServerCompressor,
): { readonly bytes: Uint8Array; readonly model: ScriptModel } {
  const parts: Uint8Array[] = [];
  const messages: (string | Uint8Array)[] = [];
  const pings: Uint8Array[] = [];
  const ping = () => {
    const payload = new Uint8Array(Math.floor(random() * 126)).map(() => Math.floor(random() * 256));
    pings.push(payload);
    parts.push(...encodeUnmaskedFrame(Opcode.Ping, payload));
  };
  const frames = 1 + Math.floor(random() * 6);
  for (let i = 0; i < frames; i++) {
    const kind = random();
    if (kind < 0.1) {
      ping();
      continue;
    }
    const text = kind < 0.6;
    const long = random() < 0.1;
    let payload: Uint8Array;
    if (text) {
      const value = randomText(random, long ? 600 : 60);
      messages.push(value);
      payload = Buffer.from(value);
    } else {
      payload = new Uint8Array(Math.floor(random() * (long ? 2000 : 200))).map(() =>
        Math.floor(random() * 256),
      );
      messages.push(payload);
    }
    const rsv1 = compressor !== undefined && random() < 0.5;
    if (rsv1) payload = compressor.compress(payload);
    const opcode = text ? Opcode.Text : Opcode.Binary;
    if (random() < 0.6) {
      parts.push(...encodeUnmaskedFrame(opcode, payload, { rsv1 }));
      continue;
    }
    const pieces = fragmentsOf(random, payload);
    pieces.forEach((piece, n) => {
      if (n > 0 && random() < 0.3) ping();
      const last = n === pieces.length - 1;
      parts.push(
        ...encodeUnmaskedFrame(n === 0 ? opcode : Opcode.Continuation, piece, {
          fin: last,
          rsv1: rsv1 && n === 0,
        }),
      );
    });
  }
  const closes = random() < 0.5;
  if (closes) parts.push(...encodeUnmaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8)));
  return { bytes: Buffer.concat(parts), model: { messages, pings, closes } };
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

/**
 * Random bytes, or a valid script with some bytes flipped, cut or inserted; the model comes along
 * when the bytes are still the valid script's (no mutation, or none that changed a byte).
 */
function fuzzScript(random: () => number, compressor?: ServerCompressor): ServerScript {
  let valid: { readonly bytes: Uint8Array; readonly model: ScriptModel } | undefined;
  const bytes = mutated(random, () => {
    valid = validScript(random, compressor);
    return valid.bytes;
  });
  const intact = valid !== undefined && Buffer.compare(bytes, valid.bytes) === 0;
  return { bytes, model: intact ? valid!.model : undefined };
}

/** The script of one run: with `deflate`, the server accepts the client's offer as it was made. */
function scriptFor(random: () => number, deflate: boolean): Script {
  return (request) => {
    const offer = /sec-websocket-extensions:\s*([^\r\n]*)/i.exec(request)?.[1];
    if (!deflate || offer === undefined) return { extensions: undefined, ...fuzzScript(random) };
    const takeover = !offer.includes("server_no_context_takeover");
    return {
      extensions: takeover ? "permessage-deflate" : "permessage-deflate; server_no_context_takeover",
      ...fuzzScript(random, new ServerCompressor(takeover)),
    };
  };
}

export interface FuzzOutcome {
  readonly kind: "normal" | "failed";
  readonly code?: string;
  readonly messages: number;
  /** permessage-deflate was negotiated. */
  readonly compressed: boolean;
  /** The script was valid and the run was checked against its model (see `checkModel`). */
  readonly modelChecked?: boolean;
}

/** Runs one fuzzed connection; rejects if it breaks a rule (hang, undocumented failure). */
export async function fuzzOnce(seed: number): Promise<FuzzOutcome> {
  const random = seededRandom(seed);
  const deflate = random() < 0.3;
  // Now and then a low strictThreshold, so that even small messages arrive streamed.
  const strictThreshold = random() < 0.3 ? 1 + Math.floor(random() * 300) : undefined;
  const received: (string | Uint8Array)[] = [];
  let server: FuzzServerLogic | undefined;
  const [upgrade, done] = Http.get().singleWebSocketRequest(
    WebSocketRequest.create("ws://fuzz.test/"),
    Flow.fromSinkAndSourceMat(
      Sink.foreachAsync<Message>(1, async (m) => {
        received.push(
          m.isText()
            ? (await m.asTextMessage().toStrict(2000)).getStrictText()
            : (await m.asBinaryMessage().toStrict(2000)).getStrictData().slice(),
        );
      }),
      Source.maybe<Message>(),
      Keep.left,
    ),
    {
      transport: Flow.fromStage(() => {
        server = new FuzzServerLogic(scriptFor(random, deflate), random);
        return server;
      }),
      settings: {
        websocket: {
          closeTimeout: 50,
          maxMessageSize: 100_000,
          streamedMessageTimeout: 1000,
          perMessageDeflate: deflate,
          ...(strictThreshold === undefined ? {} : { strictThreshold }),
        },
      },
    },
  );
  const deadline = new Deadline(5000, `seed ${seed}: the connection did not end within 5 s`);
  try {
    let compressed = false;
    let outcome: FuzzOutcome;
    try {
      const response = await deadline.race(upgrade);
      compressed = response.extensions.length > 0;
      await deadline.race(done);
      outcome = { kind: "normal", messages: received.length, compressed };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === undefined || !DOCUMENTED_FAILURES.has(code)) {
        throw new Error(`seed ${seed}: undocumented outcome ${code ?? String(error)}`, { cause: error });
      }
      outcome = { kind: "failed", code, messages: received.length, compressed };
    }
    const model = server?.model;
    if (model !== undefined) {
      await deadline.race(server!.finished);
      checkModel(seed, model, outcome, received, server!);
    }
    return { ...outcome, modelChecked: model !== undefined };
  } finally {
    deadline.clear();
  }
}

/** An assertion for the model checks: a difference is an error naming the seed, what differs and how. */
export function expectFor(seed: number): (what: string, actual: unknown, expected: unknown) => void {
  return (what, actual, expected) => {
    if (!isDeepStrictEqual(actual, expected)) {
      throw new Error(
        `seed ${seed}: ${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
      );
    }
  };
}

/** Payloads as hex, to compare and show. */
export const hex = (payloads: readonly Uint8Array[]): string[] =>
  payloads.map((p) => Buffer.from(p).toString("hex"));

/**
 * The oracle for a valid script: every message exactly as sent, every ping answered with its own
 * payload, in order, and the server's Close answered with 1000; a script that ends with the
 * server's EOF instead is an abnormal closure after all its messages.
 */
function checkModel(
  seed: number,
  model: ScriptModel,
  outcome: FuzzOutcome,
  received: readonly (string | Uint8Array)[],
  server: FuzzServerLogic,
): void {
  const expect = expectFor(seed);
  expect(
    "outcome",
    outcome.kind === "normal" ? "normal" : outcome.code,
    model.closes ? "normal" : "WS_ERR_ABNORMAL_CLOSURE",
  );
  expect("messages", received.map(shown), model.messages.map(shown));
  // After the server's EOF the client may drop pongs it had not written yet; never others.
  const pongs = hex(server.pongs);
  expect("pongs", pongs, hex(model.pings).slice(0, model.closes ? undefined : pongs.length));
  expect("the client's Close", server.closeCodes, model.closes ? [1000] : []);
}

/**
 * Fuzzing the server's receive path: wsflow's server engine (the layer `newServerAt` runs after the
 * upgrade, here in memory) echoes what a scripted client sends — random bytes, or masked frames
 * with some bytes flipped, cut or inserted, in random chunks, some compressed under
 * permessage-deflate with the client's context. Every run must end (its `closed` settles) with no
 * uncaught exception and no hang, whatever the close code; a run whose script is valid (no
 * mutation) must also get its messages echoed exactly (`checkEchoes`).
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import {
  defaultClientConnectionSettings,
  resolveSettings,
} from "../../src/api/client-connection-settings.js";
import { deflateSpec } from "../../src/api/deflate-spec.js";
import { engineSettingsFor } from "../../src/api/engine-settings-for.js";
import { encodeMaskedFrame, FrameDecoder, Opcode, RSV1_BIT } from "../../src/codec/index.js";
import { serverLayer } from "../../src/engine/index.js";
import { PerMessageDeflate } from "../../src/extensions/index.js";
import { Flow, Keep, LinearStageLogic, type Message } from "../../src/index.js";
import { Deadline } from "../helpers/deadline.js";
import { shown } from "../helpers/message-arbitrary.js";
import { seededRandom } from "../helpers/seeded-random.js";
import { expectFor, fragmentsOf, hex, mutated, randomText, type ScriptModel } from "./fuzz-core.js";

/** A client that sends its script in random chunks, reads the server's frames, and then hangs up. */
class FuzzClientLogic extends LinearStageLogic<Uint8Array, Uint8Array> {
  private readonly outgoing: Uint8Array[] = [];
  /** The code of the server's Close, once one came (undefined for an empty one). */
  serverClose: { code: number | undefined } | undefined;
  /** The server's data messages (decompressed), and its pongs' payloads, in order. */
  readonly echoes: (string | Uint8Array)[] = [];
  readonly pongs: Uint8Array[] = [];
  private frame: { opcode: number; fin: boolean; payload: Uint8Array[] } = {
    opcode: 0,
    fin: true,
    payload: [],
  };
  private message: { text: boolean; compressed: boolean; payload: Uint8Array[] } | undefined;
  private readonly decoder = new FrameDecoder(
    {
      onFrameStart: (h) => {
        this.frame = { opcode: h.opcode, fin: h.fin, payload: [] };
        if (h.opcode === Opcode.Text || h.opcode === Opcode.Binary)
          this.message = { text: h.opcode === Opcode.Text, compressed: h.rsv1, payload: [] };
      },
      onFramePayload: (chunk) => this.frame.payload.push(chunk.slice()),
      onFrameEnd: () => this.onFrame(),
      onViolation: (v) => {
        throw new Error(`the server sent an invalid frame: ${v.message}`);
      },
    },
    { expectMasked: false, allowedRsv: RSV1_BIT },
  );

  private onFrame(): void {
    const { opcode, fin } = this.frame;
    const payload = Buffer.concat(this.frame.payload);
    if (opcode === Opcode.Close) {
      this.serverClose = { code: payload.length >= 2 ? payload.readUInt16BE(0) : undefined };
    } else if (opcode === Opcode.Pong) {
      this.pongs.push(payload);
    } else if (opcode !== Opcode.Ping && this.message !== undefined) {
      this.message.payload.push(payload);
      if (!fin) return;
      const { text, compressed } = this.message;
      let bytes = Buffer.concat(this.message.payload);
      // The server keeps no context (its answer always says server_no_context_takeover).
      if (compressed) {
        bytes = inflateRawSync(Buffer.concat([bytes, Buffer.of(0, 0, 0xff, 0xff)]), {
          finishFlush: constants.Z_SYNC_FLUSH,
        });
      }
      this.echoes.push(text ? bytes.toString() : bytes);
      this.message = undefined;
    }
  }

  /**
   * @param waitsForClose - after the script, keep TCP open until the server's Close came, as a
   *   client that started the closing handshake should (RFC 6455 §7.1.1); else EOF at once.
   */
  constructor(
    script: Uint8Array,
    random: () => number,
    private readonly waitsForClose: boolean,
  ) {
    super();
    for (let at = 0; at < script.length; ) {
      const n = 1 + Math.floor(random() * 64);
      this.outgoing.push(script.subarray(at, at + n));
      at += n;
    }
  }
  override preStart(): void {
    this.pull(this.in);
  }
  onPush(): void {
    this.decoder.push(this.grab(this.in));
    this.pull(this.in);
    this.endIfDone();
  }
  override onPull(): void {
    const next = this.outgoing.shift();
    if (next) this.push(this.out, next);
    this.endIfDone();
  }
  private endIfDone(): void {
    if (this.outgoing.length > 0 || this.isClosed(this.out)) return;
    if (!this.waitsForClose || this.serverClose !== undefined) this.complete(this.out);
  }
  onUpstreamFinish(): void {}
}

/**
 * The client's compressor: with `takeover`, keeping its context (the window of the messages
 * before) as browsers do; without, each message on its own.
 */
function clientCompressor(takeover: boolean): (payload: Uint8Array) => Uint8Array {
  let window = new Uint8Array(0);
  return (payload) => {
    const out = deflateRawSync(payload, {
      finishFlush: 2,
      ...(window.length > 0 ? { dictionary: window } : {}),
    });
    if (takeover) window = Buffer.concat([window, payload]).subarray(-32768);
    return out.subarray(0, out.length - 4);
  };
}

/**
 * A random sequence of valid masked client frames (text of every UTF-8 length and binary, whole or
 * fragmented at any byte with pings between the fragments) and what the echo server must send
 * back; with `compress`, about half the messages compressed.
 */
function validClientScript(
  random: () => number,
  compress?: (payload: Uint8Array) => Uint8Array,
): { readonly bytes: Uint8Array; readonly model: ScriptModel } {
  const parts: Uint8Array[] = [];
  const messages: (string | Uint8Array)[] = [];
  const pings: Uint8Array[] = [];
  const key = () => Math.floor(random() * 2 ** 32);
  const ping = () => {
    const payload = new Uint8Array(Math.floor(random() * 126)).map(() => Math.floor(random() * 256));
    pings.push(payload);
    parts.push(encodeMaskedFrame(Opcode.Ping, payload, key()));
  };
  for (let i = 0, n = 1 + Math.floor(random() * 6); i < n; i++) {
    const kind = random();
    if (kind < 0.1) {
      ping();
      continue;
    }
    const text = kind < 0.6;
    let payload: Uint8Array;
    if (text) {
      const value = randomText(random, 60);
      messages.push(value);
      payload = Buffer.from(value);
    } else {
      payload = new Uint8Array(Math.floor(random() * 200)).map(() => Math.floor(random() * 256));
      messages.push(payload);
    }
    const rsv1 = compress !== undefined && random() < 0.5;
    if (rsv1) payload = compress(payload);
    const opcode = text ? Opcode.Text : Opcode.Binary;
    if (random() < 0.6) {
      parts.push(encodeMaskedFrame(opcode, payload, key(), { rsv1 }));
      continue;
    }
    const pieces = fragmentsOf(random, payload);
    pieces.forEach((piece, at) => {
      if (at > 0 && random() < 0.3) ping();
      const fin = at === pieces.length - 1;
      parts.push(
        encodeMaskedFrame(at === 0 ? opcode : Opcode.Continuation, piece, key(), {
          fin,
          rsv1: rsv1 && at === 0,
        }),
      );
    });
  }
  const closes = random() < 0.5;
  if (closes) parts.push(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), key()));
  return { bytes: Buffer.concat(parts), model: { messages, pings, closes } };
}

const settings = resolveSettings(defaultClientConnectionSettings, {
  websocket: {
    closeTimeout: 50,
    maxMessageSize: 100_000,
    streamedMessageTimeout: 1000,
    perMessageDeflate: true,
  },
});
const engine = engineSettingsFor(settings, "server");
const plainLayer = serverLayer(engine);
const deflate = deflateSpec(settings.websocket.perMessageDeflate)!;

export interface ServerFuzzOutcome {
  /** The connection's close code as the server saw it: the client's, or 1006 if it sent none. */
  readonly closeCode: number;
  /** The code of the Close the server sent (undefined: none, or an empty one). */
  readonly serverCloseCode: number | undefined;
  readonly compressed: boolean;
  /** Messages the echo handler got. */
  readonly messages: number;
  /** The script was valid and the run was checked against its model (see `checkEchoes`). */
  readonly modelChecked?: boolean;
}

/** Runs one fuzzed connection against the server engine; rejects if it hangs. */
export async function fuzzServerOnce(seed: number): Promise<ServerFuzzOutcome> {
  const random = seededRandom(seed);
  let messages = 0;
  // As the server would have agreed: it follows the client's context where zlib takes a dictionary.
  const compressed = random() < 0.3;
  const followsContext = deflate.functions.inflatesWithDictionary;
  const compress = compressed ? clientCompressor(followsContext) : undefined;
  let valid: { readonly bytes: Uint8Array; readonly model: ScriptModel } | undefined;
  const script = mutated(random, () => {
    valid = validClientScript(random, compress);
    return valid.bytes;
  });
  const model = valid !== undefined && Buffer.compare(script, valid.bytes) === 0 ? valid.model : undefined;
  const layer = compressed
    ? serverLayer(
        engine,
        () =>
          new PerMessageDeflate(deflate.functions, {
            threshold: 0,
            peerWindowBits: followsContext ? 15 : undefined,
          }),
      )
    : plainLayer;
  const client = new FuzzClientLogic(script, random, model?.closes === true);
  const controls = layer
    .joinMat(
      Flow.fromStage(() => client),
      Keep.left,
    )
    .joinMat(
      Flow.create<Message>().map((m) => {
        messages++;
        return m;
      }),
      Keep.left,
    ) // the echo handler
    .run();
  const deadline = new Deadline(5000, `seed ${seed}: the server's connection did not end within 5 s`);
  const closed = await deadline.race(controls.closed).finally(() => deadline.clear());
  const outcome = { closeCode: closed.code, serverCloseCode: client.serverClose?.code, compressed, messages };
  if (model !== undefined) checkEchoes(seed, model, outcome, client);
  return { ...outcome, modelChecked: model !== undefined };
}

/**
 * The oracle for a valid script: the echoes are the client's messages, byte for byte and in order,
 * the pongs carry the pings' payloads, and a script ending with Close 1000 gets every echo and
 * every pong before the server's Close 1000 (a clean close; the client keeps TCP open until that
 * Close). A script that ends with the client's EOF instead is an abnormal closure: the server may
 * drop what it had not sent yet, never more.
 */
function checkEchoes(
  seed: number,
  model: ScriptModel,
  outcome: ServerFuzzOutcome,
  client: FuzzClientLogic,
): void {
  const expect = expectFor(seed);
  const echoes = client.echoes.map(shown);
  const pongs = hex(client.pongs);
  const all = (n: number) => (model.closes ? undefined : n);
  expect(
    "close codes (seen by the server, sent by it)",
    [outcome.closeCode, outcome.serverCloseCode],
    model.closes ? [1000, 1000] : [1006, undefined],
  );
  expect("echoes", echoes, model.messages.map(shown).slice(0, all(echoes.length)));
  expect("pongs", pongs, hex(model.pings).slice(0, all(pongs.length)));
}

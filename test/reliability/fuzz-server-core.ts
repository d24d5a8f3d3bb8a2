/**
 * Fuzzing the server's receive path: wsflow's server engine (the layer `newServerAt` runs after the
 * upgrade, here in memory) echoes what a scripted client sends — random bytes, or masked frames
 * with some bytes flipped, cut or inserted, in random chunks, some compressed under
 * permessage-deflate with the client's context. Every run must end (its `closed` settles) with no
 * uncaught exception and no hang, whatever the close code.
 */
import { deflateRawSync } from "node:zlib";
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
import { seededRandom } from "../helpers/seeded-random.js";
import { mutated } from "./fuzz-core.js";

/** A client that sends its script in random chunks, reads the server's frames, and then hangs up. */
class FuzzClientLogic extends LinearStageLogic<Uint8Array, Uint8Array> {
  private readonly outgoing: Uint8Array[] = [];
  /** The code of the server's Close, once one came (undefined for an empty one). */
  serverClose: { code: number | undefined } | undefined;
  private closePayload: Uint8Array[] | undefined;
  private readonly decoder = new FrameDecoder(
    {
      onFrameStart: (h) => {
        this.closePayload = h.opcode === Opcode.Close ? [] : undefined;
      },
      onFramePayload: (chunk) => this.closePayload?.push(chunk.slice()),
      onFrameEnd: () => {
        if (this.closePayload === undefined) return;
        const payload = Buffer.concat(this.closePayload);
        this.serverClose = { code: payload.length >= 2 ? payload.readUInt16BE(0) : undefined };
      },
      onViolation: (v) => {
        throw new Error(`the server sent an invalid frame: ${v.message}`);
      },
    },
    { expectMasked: false, allowedRsv: RSV1_BIT },
  );

  constructor(script: Uint8Array, random: () => number) {
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
  }
  override onPull(): void {
    const next = this.outgoing.shift();
    if (next) this.push(this.out, next);
    else this.complete(this.out); // EOF after the script
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

/** A random sequence of valid masked client frames; with `compress`, about half the messages compressed. */
function validClientScript(random: () => number, compress?: (payload: Uint8Array) => Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const key = () => Math.floor(random() * 2 ** 32);
  for (let i = 0, n = 1 + Math.floor(random() * 6); i < n; i++) {
    const kind = random();
    let payload: Uint8Array = new Uint8Array(Math.floor(random() * 200)).map(
      () => 0x20 + Math.floor(random() * 90),
    );
    const rsv1 = compress !== undefined && kind < 0.7 && random() < 0.5;
    if (rsv1) payload = compress(payload);
    if (kind < 0.5) parts.push(encodeMaskedFrame(Opcode.Text, payload, key(), { rsv1 }));
    else if (kind < 0.7) parts.push(encodeMaskedFrame(Opcode.Binary, payload, key(), { rsv1 }));
    else if (kind < 0.8) parts.push(encodeMaskedFrame(Opcode.Ping, payload.subarray(0, 100), key()));
    else {
      const half = payload.length >> 1;
      parts.push(encodeMaskedFrame(Opcode.Binary, payload.subarray(0, half), key(), { fin: false }));
      parts.push(encodeMaskedFrame(Opcode.Continuation, payload.subarray(half), key()));
    }
  }
  if (random() < 0.5) parts.push(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), key()));
  return Buffer.concat(parts);
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
}

/** Runs one fuzzed connection against the server engine; rejects if it hangs. */
export async function fuzzServerOnce(seed: number): Promise<ServerFuzzOutcome> {
  const random = seededRandom(seed);
  let messages = 0;
  // As the server would have agreed: it follows the client's context where zlib takes a dictionary.
  const compressed = random() < 0.3;
  const followsContext = deflate.functions.inflatesWithDictionary;
  const compress = compressed ? clientCompressor(followsContext) : undefined;
  const script = mutated(random, () => validClientScript(random, compress));
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
  const client = new FuzzClientLogic(script, random);
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
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`seed ${seed}: the server's connection did not end within 5 s`)),
      5000,
    ).unref(),
  );
  const closed = await Promise.race([controls.closed, timeout]);
  return { closeCode: closed.code, serverCloseCode: client.serverClose?.code, compressed, messages };
}

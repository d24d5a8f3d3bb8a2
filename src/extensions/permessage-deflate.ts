/**
 * The permessage-deflate extension (RFC 7692): the client's offer and its check of the answer, and
 * the per-connection compression both roles use (the server's answer: deflate-acceptance.ts).
 * Outgoing messages are compressed each on its own (a client offers client_no_context_takeover, a
 * server answers server_no_context_takeover): keeping the compressor's context would cost ~300 KiB
 * of zlib state per connection and a dictionary to hash per message, as the platform's one-shot
 * DEFLATE keeps no state between calls. Incoming ones may use the peer's context (its sliding
 * window over earlier messages): the last window of what was decompressed (at most 32 KiB) is kept
 * and handed to the next inflate as a preset dictionary, which costs a copy. Pure: the DEFLATE
 * functions themselves are injected (Node's zlib, by the API layer).
 */

/** Raw DEFLATE, one message at a time, as the platform provides it. */
export interface DeflateFunctions {
  /**
   * Compresses `data` with a window of at most 2^`maxWindowBits` bytes (9-15), at `level` (0-9;
   * undefined: zlib's default, 6), and ends with a sync flush (the output's last 4 bytes are
   * 00 00 FF FF).
   */
  deflate(data: Uint8Array, maxWindowBits: number, level: number | undefined): Uint8Array;
  /**
   * Decompresses raw DEFLATE data ended by a sync flush, after `dictionary` (the sender's earlier
   * output, which back-references may reach into) when one is given. "too-big": the output would
   * exceed `maxLength` bytes; "invalid": the data is not DEFLATE.
   */
  inflate(data: Uint8Array, maxLength: number, dictionary?: Uint8Array): Uint8Array | "too-big" | "invalid";
  /**
   * Whether `inflate` honours a dictionary. Without it the peer may not keep its context: the
   * client asks for server_no_context_takeover whatever the settings say, a server answers
   * client_no_context_takeover (Deno's zlib ignores raw dictionaries).
   */
  readonly inflatesWithDictionary: boolean;
}

export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** What the client asks for in its offer (RFC 7692 §7.1). */
export interface DeflateOffer {
  /** Ask the server to compress each message on its own (§7.1.1.1). */
  readonly serverNoContextTakeover: boolean;
  /** Ask the server for a sliding window of at most 2^bits bytes (8-15, §7.1.2.1). */
  readonly serverMaxWindowBits?: number;
}

/**
 * The offer's `Sec-WebSocket-Extensions` value. client_no_context_takeover is always in it: it
 * tells the server that our messages never refer to earlier ones (§7.1.1.2).
 */
export function deflateOfferHeader(offer: DeflateOffer): string {
  return [
    PERMESSAGE_DEFLATE,
    ...(offer.serverNoContextTakeover ? ["server_no_context_takeover"] : []),
    "client_no_context_takeover",
    ...(offer.serverMaxWindowBits !== undefined
      ? [`server_max_window_bits=${offer.serverMaxWindowBits}`]
      : []),
  ].join("; ");
}

/** What was agreed for the server's messages, from an acceptance {@link checkDeflateResponse} passed. */
export interface NegotiatedDeflate {
  /** The server compresses each message on its own: no window to keep. */
  readonly serverNoContextTakeover: boolean;
  /** The server's sliding window is at most 2^bits bytes (15 unless the response says less). */
  readonly serverMaxWindowBits: number;
}

/** One element of a `Sec-WebSocket-Extensions` response, as the handshake layer parses it. */
export interface ExtensionElement {
  readonly name: string;
  readonly params: ReadonlyMap<string, string | true>;
  /** Every parameter name in order, repeats included. */
  readonly paramNames: readonly string[];
}

/**
 * Checks the server's acceptance of `offer` (RFC 7692 §7.1): one element, whose parameters are
 * the ones a response may carry for this offer, each once and with a valid value. Returns
 * undefined when it is acceptable, else the cause (the connection must then fail).
 */
export function checkDeflateResponse(
  accepted: readonly ExtensionElement[],
  offer: DeflateOffer,
): string | undefined {
  const elements = accepted.filter((e) => e.name === PERMESSAGE_DEFLATE);
  if (elements.length === 0) return undefined;
  if (elements.length > 1) return "the server accepted permessage-deflate more than once (RFC 7692 §7)";
  const { params, paramNames } = elements[0]!;
  if (paramNames.length !== params.size)
    return "the server's permessage-deflate repeats a parameter (RFC 7692 §7.1)";
  for (const [name, value] of params) {
    switch (name) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        if (value !== true)
          return `permessage-deflate's ${name} takes no value, got ${JSON.stringify(value)} (RFC 7692 §7.1.1)`;
        break;
      case "server_max_window_bits":
        if (value === true || !/^(8|9|1[0-5])$/.test(value))
          return `permessage-deflate's server_max_window_bits must be 8-15, got ${value === true ? "none" : JSON.stringify(value)} (RFC 7692 §7.1.2.1)`;
        if (offer.serverMaxWindowBits !== undefined && Number(value) > offer.serverMaxWindowBits)
          return `permessage-deflate's server_max_window_bits is ${value}, above the ${offer.serverMaxWindowBits} offered (RFC 7692 §7.1.2.1)`;
        break;
      case "client_max_window_bits":
        return "the server set permessage-deflate's client_max_window_bits, which was not offered (RFC 7692 §7.1.2.2)";
      default:
        return `unknown permessage-deflate parameter ${name} (RFC 7692 §7.1)`;
    }
  }
  // Accepting an offer means agreeing to what it asked of the server (§7.1.1.1, §7.1.2.1).
  if (offer.serverNoContextTakeover && !params.has("server_no_context_takeover"))
    return "the server accepted permessage-deflate without server_no_context_takeover, which the offer required (RFC 7692 §7.1.1.1)";
  if (offer.serverMaxWindowBits !== undefined && !params.has("server_max_window_bits"))
    return "the server accepted permessage-deflate without server_max_window_bits, which the offer required (RFC 7692 §7.1.2.1)";
  return undefined;
}

/**
 * What the server's acceptance agreed (see {@link checkDeflateResponse} first), or undefined if it
 * did not accept permessage-deflate.
 */
export function negotiatedDeflate(accepted: readonly ExtensionElement[]): NegotiatedDeflate | undefined {
  const element = accepted.find((e) => e.name === PERMESSAGE_DEFLATE);
  if (element === undefined) return undefined;
  const bits = element.params.get("server_max_window_bits");
  return {
    serverNoContextTakeover: element.params.has("server_no_context_takeover"),
    serverMaxWindowBits: typeof bits === "string" ? Number(bits) : 15,
  };
}

/** The 4 bytes a sync flush ends with, which the sender removes and the receiver puts back (§7.2.1-2). */
const FLUSH_TAIL = [0x00, 0x00, 0xff, 0xff] as const;

/**
 * zlib cannot make a raw DEFLATE window of 2^8 bytes and quietly uses 2^9 (as do servers built on
 * it), so never keep less than 512 bytes of the server's output: a larger dictionary than the
 * window is harmless, a smaller one breaks the next message.
 */
const MIN_WINDOW_BITS = 9;

/** How one connection compresses: the settings, and what its permessage-deflate agreed. */
export interface PerMessageDeflateOptions {
  /** Messages shorter than this many bytes go out uncompressed (RSV1 clear, §6). */
  readonly threshold: number;
  /** zlib's compression level, 0-9 (1 fastest, 9 smallest); default zlib's own, 6. */
  readonly level?: number | undefined;
  /** The peer compresses with its context, in a window of 2^bits bytes; absent: each message on its own. */
  readonly peerWindowBits?: number | undefined;
  /** Our compressor's window may not exceed 2^bits bytes (9-15; default 15). */
  readonly ownMaxWindowBits?: number;
}

/** Compresses and decompresses messages of one connection under the negotiated permessage-deflate. */
export class PerMessageDeflate {
  /** Messages shorter than this many bytes go out uncompressed. */
  readonly threshold: number;
  /**
   * The end of what the peer's messages decompressed to, as much as its sliding window holds:
   * the dictionary the next message may refer to. Undefined when the peer takes no context
   * over, or before its first compressed message.
   */
  private window: Uint8Array | undefined;
  private windowLength = 0;
  private readonly windowSize: number;
  private readonly ownMaxWindowBits: number;
  private readonly level: number | undefined;

  constructor(
    private readonly functions: DeflateFunctions,
    options: PerMessageDeflateOptions,
  ) {
    this.threshold = options.threshold;
    this.level = options.level;
    const peerBits = options.peerWindowBits;
    this.windowSize = peerBits === undefined ? 0 : 2 ** Math.max(MIN_WINDOW_BITS, peerBits);
    this.ownMaxWindowBits = Math.max(MIN_WINDOW_BITS, options.ownMaxWindowBits ?? 15);
  }

  /**
   * The payload to send for a message of `data`, compressed, or undefined to send it as it is: it
   * is under the threshold, or compression would not make it smaller.
   */
  compress(data: Uint8Array): Uint8Array | undefined {
    if (data.length < this.threshold) return undefined;
    const out = this.functions.deflate(data, this.ownMaxWindowBits, this.level);
    const end = endsWithFlushTail(out) ? out.length - FLUSH_TAIL.length : out.length;
    return end < data.length ? out.subarray(0, end) : undefined;
  }

  /** A received message's payload, decompressed (see `MessageCompression`). */
  decompress(payload: Uint8Array, maxLength: number): Uint8Array | "too-big" | "invalid" {
    const whole = new Uint8Array(payload.length + FLUSH_TAIL.length);
    whole.set(payload);
    whole.set(FLUSH_TAIL, payload.length);
    if (this.windowSize === 0) return this.functions.inflate(whole, maxLength);
    const out =
      this.windowLength === 0
        ? this.functions.inflate(whole, maxLength)
        : this.functions.inflate(whole, maxLength, this.window!.subarray(0, this.windowLength));
    if (typeof out !== "string") this.slide(out);
    return out;
  }

  /** Appends a message's output to the window, dropping what falls out of it. */
  private slide(output: Uint8Array): void {
    const size = this.windowSize;
    this.window ??= new Uint8Array(size);
    if (output.length >= size) {
      this.window.set(output.subarray(output.length - size));
      this.windowLength = size;
      return;
    }
    const keep = Math.min(this.windowLength, size - output.length);
    this.window.copyWithin(0, this.windowLength - keep, this.windowLength);
    this.window.set(output, keep);
    this.windowLength = keep + output.length;
  }
}

function endsWithFlushTail(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 4 && bytes[n - 4] === 0 && bytes[n - 3] === 0 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xff;
}

/**
 * The permessage-deflate extension (RFC 7692), as wsflow's client negotiates it: no context
 * takeover in either direction. Each message is compressed on its own, so an open connection
 * keeps no compression state (with context takeover, zlib keeps ~300 KiB per direction per
 * connection), and compressing or decompressing a message is one call. Pure: the DEFLATE
 * functions themselves are injected (Node's zlib, by the API layer).
 */

/** Raw DEFLATE, one message at a time, as the platform provides it. */
export interface DeflateFunctions {
  /** Compresses `data` and ends with a sync flush (the output's last 4 bytes are 00 00 FF FF). */
  deflate(data: Uint8Array): Uint8Array;
  /**
   * Decompresses raw DEFLATE data ended by a sync flush. "too-big": the output would exceed
   * `maxLength` bytes; "invalid": the data is not DEFLATE.
   */
  inflate(data: Uint8Array, maxLength: number): Uint8Array | "too-big" | "invalid";
}

export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** What the client offers (RFC 7692 §7.1): both sides without context takeover. */
export const PERMESSAGE_DEFLATE_OFFER =
  "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/** One element of a `Sec-WebSocket-Extensions` response, as the handshake layer parses it. */
export interface ExtensionElement {
  readonly name: string;
  readonly params: ReadonlyMap<string, string | true>;
  /** Every parameter name in order, repeats included. */
  readonly paramNames: readonly string[];
}

/**
 * Checks the server's acceptance of our offer (RFC 7692 §7.1): one element, whose parameters are
 * the ones a response may carry for this offer, each once and with a valid value. Returns
 * undefined when it is acceptable, else the cause (the connection must then fail).
 */
export function checkDeflateResponse(accepted: readonly ExtensionElement[]): string | undefined {
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
        break;
      case "client_max_window_bits":
        return "the server set permessage-deflate's client_max_window_bits, which was not offered (RFC 7692 §7.1.2.2)";
      default:
        return `unknown permessage-deflate parameter ${name} (RFC 7692 §7.1)`;
    }
  }
  // We offered server_no_context_takeover: accepting the offer means agreeing to it (§7.1.1.1).
  if (!params.has("server_no_context_takeover"))
    return "the server accepted permessage-deflate without server_no_context_takeover, which the offer required (RFC 7692 §7.1.1.1)";
  return undefined;
}

/** Whether the server accepted permessage-deflate (see {@link checkDeflateResponse} first). */
export function deflateAccepted(accepted: readonly ExtensionElement[]): boolean {
  return accepted.some((e) => e.name === PERMESSAGE_DEFLATE);
}

/** The 4 bytes a sync flush ends with, which the sender removes and the receiver puts back (§7.2.1-2). */
const FLUSH_TAIL = [0x00, 0x00, 0xff, 0xff] as const;

/** Compresses and decompresses messages of one connection under the negotiated permessage-deflate. */
export class PerMessageDeflate {
  constructor(
    private readonly functions: DeflateFunctions,
    /** Messages shorter than this many bytes go out uncompressed (RSV1 clear, §6). */
    readonly threshold: number,
  ) {}

  /**
   * The payload to send for a message of `data`, compressed, or undefined to send it as it is: it
   * is under the threshold, or compression would not make it smaller.
   */
  compress(data: Uint8Array): Uint8Array | undefined {
    if (data.length < this.threshold) return undefined;
    const out = this.functions.deflate(data);
    const end = endsWithFlushTail(out) ? out.length - FLUSH_TAIL.length : out.length;
    return end < data.length ? out.subarray(0, end) : undefined;
  }

  /** A received message's payload, decompressed (see `MessageCompression`). */
  decompress(payload: Uint8Array, maxLength: number): Uint8Array | "too-big" | "invalid" {
    const whole = new Uint8Array(payload.length + FLUSH_TAIL.length);
    whole.set(payload);
    whole.set(FLUSH_TAIL, payload.length);
    return this.functions.inflate(whole, maxLength);
  }
}

function endsWithFlushTail(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 4 && bytes[n - 4] === 0 && bytes[n - 3] === 0 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xff;
}

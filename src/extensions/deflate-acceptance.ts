/**
 * The server's side of permessage-deflate's negotiation (RFC 7692 §5, §7.1): pick the first offer
 * it can honour and say in the response what was agreed. The server compresses each message on
 * its own (server_no_context_takeover in every response, for the reason the client does: one
 * zlib call per message, no state kept), and follows the client's context when the platform can.
 */
import { type ExtensionElement, PERMESSAGE_DEFLATE } from "./permessage-deflate.js";

/** An accepted offer. */
export interface DeflateAcceptance {
  /** The response's `Sec-WebSocket-Extensions` value. */
  readonly header: string;
  /** The server's compressor may use a window of at most 2^bits bytes. */
  readonly serverMaxWindowBits: number;
  /** The client compresses with its context in a window of 2^bits bytes; undefined: each message on its own. */
  readonly clientWindowBits: number | undefined;
}

/**
 * The response to the client's offers (its `Sec-WebSocket-Extensions`, parsed), or undefined when
 * none is acceptable: then the connection goes uncompressed, as declining is always allowed
 * (§7.1). An offer is declined if a parameter repeats, is unknown, or has a value it may not have;
 * also one asking for server_max_window_bits=8, which zlib cannot make (it uses 9 instead).
 * `inflatesWithDictionary`: without it, the response forbids the client's context
 * (client_no_context_takeover, which a server may send unasked, §7.1.1.2).
 */
export function acceptDeflateOffer(
  offers: readonly ExtensionElement[],
  inflatesWithDictionary: boolean,
): DeflateAcceptance | undefined {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const accepted = acceptOne(offer, inflatesWithDictionary);
    if (accepted !== undefined) return accepted;
  }
  return undefined;
}

const WINDOW_BITS = /^(8|9|1[0-5])$/;

function acceptOne(offer: ExtensionElement, inflatesWithDictionary: boolean): DeflateAcceptance | undefined {
  const { params, paramNames } = offer;
  if (paramNames.length !== params.size) return undefined;
  let serverMaxWindowBits = 15;
  let serverBitsAsked = false;
  let clientWindowBits: number | undefined = 15;
  for (const [name, value] of params) {
    switch (name) {
      case "server_no_context_takeover":
        if (value !== true) return undefined;
        break;
      case "client_no_context_takeover":
        if (value !== true) return undefined;
        clientWindowBits = undefined;
        break;
      case "server_max_window_bits":
        if (value === true || !WINDOW_BITS.test(value) || value === "8") return undefined;
        serverMaxWindowBits = Number(value);
        serverBitsAsked = true;
        break;
      case "client_max_window_bits":
        // Without a value: the client could narrow its window if asked; we do not ask. With one: a
        // hint that its window is no larger, so the window kept for it need not be either (§7.1.2.2).
        if (value !== true) {
          if (!WINDOW_BITS.test(value)) return undefined;
          if (clientWindowBits !== undefined) clientWindowBits = Number(value);
        }
        break;
      default:
        return undefined;
    }
  }
  if (!inflatesWithDictionary) clientWindowBits = undefined;
  const header = [
    PERMESSAGE_DEFLATE,
    "server_no_context_takeover",
    ...(clientWindowBits === undefined ? ["client_no_context_takeover"] : []),
    // An offered server_max_window_bits is accepted by answering it (§7.1.2.1).
    ...(serverBitsAsked ? [`server_max_window_bits=${serverMaxWindowBits}`] : []),
  ].join("; ");
  return { header, serverMaxWindowBits, clientWindowBits };
}

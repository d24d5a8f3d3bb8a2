/**
 * Validation of the server's handshake response (RFC 6455 §4.1, the client's steps 1-6 after
 * sending the request). Each broken rule has its own cause; the outcome is a value.
 */
import { computeAcceptKey } from "./accept-key.js";
import {
  type ExtensionOffer,
  headerListHasToken,
  parseExtensions,
  splitHeaderList,
} from "./header-syntax.js";
import type { ResponseHead } from "./http-response-parser.js";

/** What the client offered, to check the response against. */
export interface UpgradeOffer {
  /** The `Sec-WebSocket-Key` sent. */
  readonly key: string;
  /** Subprotocols offered, in order. */
  readonly subprotocols: readonly string[];
  /** Extension names offered (lower case). */
  readonly extensions: readonly string[];
}

/** The outcome of {@link validateUpgradeResponse}. */
export type UpgradeValidation =
  | {
      readonly valid: true;
      readonly subprotocol: string | undefined;
      readonly extensions: readonly ExtensionOffer[];
    }
  | { readonly valid: false; readonly cause: string };

function invalid(cause: string): UpgradeValidation {
  return { valid: false, cause };
}

/** Checks `head` against the rules of RFC 6455 §4.1, first failure first. */
/** Shared by every response without extensions (an open connection keeps its upgrade response). */
const NO_EXTENSIONS: readonly ExtensionOffer[] = Object.freeze([]);

export function validateUpgradeResponse(head: ResponseHead, offer: UpgradeOffer): UpgradeValidation {
  const { headers } = head;
  if (head.status !== 101) {
    return invalid(
      `expected status 101 Switching Protocols, got ${head.status}${head.statusText ? ` ${head.statusText}` : ""} (RFC 6455 §4.1)`,
    );
  }
  const upgrade = headers.get("upgrade");
  if (upgrade === undefined || !headerListHasToken(upgrade, "websocket")) {
    return invalid(
      `the Upgrade header must contain "websocket", got ${upgrade === undefined ? "none" : JSON.stringify(upgrade)} (RFC 6455 §4.1)`,
    );
  }
  const connection = headers.get("connection");
  if (connection === undefined || !headerListHasToken(connection, "upgrade")) {
    return invalid(
      `the Connection header must contain "Upgrade", got ${connection === undefined ? "none" : JSON.stringify(connection)} (RFC 6455 §4.1)`,
    );
  }
  const accepts = headers.getAll("sec-websocket-accept");
  const expected = computeAcceptKey(offer.key);
  if (accepts.length !== 1 || accepts[0]!.trim() !== expected) {
    return invalid(
      `Sec-WebSocket-Accept must be ${expected}, got ${accepts.length === 0 ? "none" : JSON.stringify(accepts.join(", "))} (RFC 6455 §4.1)`,
    );
  }
  const protocols = headers.getAll("sec-websocket-protocol").flatMap(splitHeaderList);
  if (protocols.length > 1) {
    return invalid(`the server chose several subprotocols: ${protocols.join(", ")} (RFC 6455 §4.1)`);
  }
  const subprotocol = protocols[0];
  if (subprotocol !== undefined && !offer.subprotocols.includes(subprotocol)) {
    return invalid(
      `the server chose subprotocol ${JSON.stringify(subprotocol)}, which was not offered (offered: ${offer.subprotocols.join(", ") || "none"}) (RFC 6455 §4.1)`,
    );
  }
  const extensionHeader = headers.getAll("sec-websocket-extensions").join(", ");
  const extensions = extensionHeader === "" ? NO_EXTENSIONS : parseExtensions(extensionHeader);
  if (extensions === undefined) {
    return invalid(`malformed Sec-WebSocket-Extensions ${JSON.stringify(extensionHeader)} (RFC 6455 §9.1)`);
  }
  for (const extension of extensions) {
    if (!offer.extensions.includes(extension.name)) {
      return invalid(
        `the server accepted extension ${extension.name}, which was not offered (RFC 6455 §4.1)`,
      );
    }
  }
  return { valid: true, subprotocol, extensions };
}

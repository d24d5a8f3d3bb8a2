/**
 * `WebSocketRequest`: the target URI, extra headers and requested subprotocols. Immutable: each
 * call returns a new request. Every value is checked when added, so nothing invalid is ever sent.
 */
import { InvalidArgumentError } from "../codec/index.js";
import {
  base64Encode,
  parseWebSocketUri,
  validateExtraHeader,
  validateSubprotocols,
  type WebSocketUri,
} from "../handshake/index.js";
import { kindOf } from "./argument-checks.js";

/** An HTTP header to add to the request. */
export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

/** `Authorization` headers. */
export const Authorization = {
  /** HTTP Basic authentication (RFC 7617): `user:password` in base64 (UTF-8). */
  basic(user: string, password: string): HttpHeader {
    return {
      name: "Authorization",
      value: `Basic ${base64Encode(new TextEncoder().encode(`${user}:${password}`))}`,
    };
  },
  /** A bearer token (RFC 6750). */
  bearer(token: string): HttpHeader {
    return { name: "Authorization", value: `Bearer ${token}` };
  },
} as const;

export class WebSocketRequest {
  private constructor(
    /** The parsed target. */
    readonly uri: WebSocketUri,
    /** Extra headers, in order. */
    readonly headers: readonly HttpHeader[],
    /** Subprotocols offered, in order of preference. */
    readonly subprotocols: readonly string[],
  ) {}

  /** A request for `uri` (`ws://` or `wss://`, no fragment); throws `InvalidArgumentError` otherwise. */
  static create(uri: string | URL): WebSocketRequest {
    return new WebSocketRequest(parseWebSocketUri(uri), [], []);
  }

  /** Adds a header; throws `InvalidArgumentError` for an invalid or reserved one. */
  addHeader(header: HttpHeader): WebSocketRequest;
  addHeader(name: string, value: string): WebSocketRequest;
  addHeader(nameOrHeader: string | HttpHeader, value?: string): WebSocketRequest {
    const header =
      typeof nameOrHeader === "string" ? { name: nameOrHeader, value: value ?? "" } : nameOrHeader;
    if (typeof header !== "object" || header === null)
      throw new InvalidArgumentError(
        `addHeader takes a name and a value or a { name, value } header, got ${kindOf(nameOrHeader)}`,
        "WS_ERR_INVALID_HEADER",
      );
    validateExtraHeader(header.name, header.value);
    return new WebSocketRequest(this.uri, [...this.headers, header], this.subprotocols);
  }

  /** Offers subprotocols (added to those already offered). */
  requestSubprotocol(...protocols: string[]): WebSocketRequest {
    const all = [...this.subprotocols, ...protocols];
    validateSubprotocols(all);
    return new WebSocketRequest(this.uri, this.headers, all);
  }

  toString(): string {
    return `WebSocketRequest(${this.uri.href})`;
  }
}

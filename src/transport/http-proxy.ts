/**
 * The client's side of an HTTP CONNECT tunnel (RFC 9110 §9.3.6): the request that asks a proxy to
 * open a TCP connection to the WebSocket server, and the reader of the proxy's answer. The TCP
 * transport runs them on the socket to the proxy before anything else (TLS, the WebSocket
 * handshake) goes over it. Once the proxy answers 2xx, the socket carries the server's bytes.
 */
import { InvalidArgumentError } from "../codec/index.js";

/** An HTTP proxy that tunnels connections with CONNECT. */
export interface HttpProxy {
  readonly host: string;
  readonly port: number;
  /** Extra headers of the CONNECT request, e.g. `Proxy-Authorization`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The longest answer head accepted from a proxy (a real one sends a few hundred bytes). */
export const MAX_PROXY_HEAD = 16 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;

/** Throws `InvalidArgumentError` for a proxy the CONNECT request could not be made for. */
export function checkHttpProxy(proxy: HttpProxy): void {
  if (typeof proxy.host !== "string" || proxy.host === "" || UNSAFE_VALUE.test(proxy.host))
    throw new InvalidArgumentError(`invalid proxy host ${JSON.stringify(proxy.host)}`);
  if (!Number.isInteger(proxy.port) || proxy.port < 1 || proxy.port > 65535)
    throw new InvalidArgumentError(`invalid proxy port ${String(proxy.port)} (1-65535)`);
  for (const [name, value] of Object.entries(proxy.headers ?? {})) {
    if (!TOKEN.test(name))
      throw new InvalidArgumentError(`invalid proxy header name ${JSON.stringify(name)}`);
    if (typeof value !== "string" || UNSAFE_VALUE.test(value))
      throw new InvalidArgumentError(`invalid value of proxy header ${name}: CR, LF and NUL are not allowed`);
    if (name.toLowerCase() === "host")
      throw new InvalidArgumentError(
        "the CONNECT request's Host header is the target's: it cannot be replaced",
      );
  }
}

/** `host:port` as a request target and Host value (an IPv6 address in brackets). */
function authority(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The CONNECT request for a tunnel to `host:port`, as bytes (ASCII: the headers were checked). */
export function renderConnectRequest(host: string, port: number, proxy: HttpProxy): Uint8Array {
  const target = authority(host, port);
  let text = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n`;
  for (const [name, value] of Object.entries(proxy.headers ?? {})) text += `${name}: ${value}\r\n`;
  text += "\r\n";
  return new TextEncoder().encode(text);
}

/** What the proxy answered: its status, and the bytes after the head (the server's, already). */
export class ProxyAnswer {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly rest: Uint8Array,
  ) {}
  /** Any 2xx opens the tunnel (RFC 9110 §9.3.6). */
  get tunnelOpen(): boolean {
    return this.status >= 200 && this.status < 300;
  }
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: ([^\r\n]*))?$/;

/**
 * Reads the proxy's answer from the chunks the socket delivers. `push` returns the answer once its
 * head is complete, undefined while more is needed, or a string saying why it is not an answer.
 * Headers are not interpreted: for a tunnel only the status counts, and a non-2xx answer ends it.
 */
export class ProxyAnswerReader {
  private head = new Uint8Array(0);

  push(chunk: Uint8Array): ProxyAnswer | string | undefined {
    const previous = this.head.length;
    const all = new Uint8Array(previous + chunk.length);
    all.set(this.head);
    all.set(chunk, previous);
    this.head = all;
    // The blank line may straddle the chunks: search from just before the new bytes.
    const end = indexOfBlankLine(all, Math.max(0, previous - 3));
    if (end === -1)
      return all.length > MAX_PROXY_HEAD ? `sent a head of over ${MAX_PROXY_HEAD} bytes` : undefined;
    if (end > MAX_PROXY_HEAD) return `sent a head of over ${MAX_PROXY_HEAD} bytes`;
    let lineEnd = all.indexOf(0x0d);
    if (lineEnd > end) lineEnd = end;
    const statusLine = latin1(all.subarray(0, lineEnd));
    const match = STATUS_LINE.exec(statusLine);
    if (match === null)
      return `answered CONNECT with ${JSON.stringify(statusLine.slice(0, 80))}, not an HTTP response`;
    return new ProxyAnswer(Number(match[1]), match[2] ?? "", all.subarray(end + 4));
  }
}

/** The index of the first CR LF CR LF at or after `from`, or -1. */
function indexOfBlankLine(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(0x0d, from); i !== -1 && i + 3 < bytes.length; i = bytes.indexOf(0x0d, i + 1)) {
    if (bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return text;
}

/**
 * HTTP header syntax (RFC 9110 §5.6): tokens, field values, comma-separated lists, and the
 * `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1).
 */
import { InvalidArgumentError } from "../codec/index.js";

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `text` is an HTTP token (header names, subprotocols, extension names). */
export function isToken(text: string): boolean {
  // A number would pass the pattern as its digits: only a string is a token.
  return typeof text === "string" && TCHAR.test(text);
}

/** Whether `value` may be sent as a header value: no CR, LF or NUL (no header injection), no other controls but tab. */
export function isValidHeaderValue(value: string): boolean {
  if (typeof value !== "string") return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/**
 * Throws {@link InvalidArgumentError} (`WS_ERR_INVALID_HEADER`) unless `name: value` can be written
 * as it is: a token name, a value without control characters (no header injection).
 */
export function requireWritableHeader(name: string, value: string): void {
  if (!isToken(name)) {
    throw new InvalidArgumentError(
      `invalid header name ${JSON.stringify(name)}: not an HTTP token`,
      "WS_ERR_INVALID_HEADER",
    );
  }
  if (typeof value !== "string") {
    throw new InvalidArgumentError(`the value of header ${name} must be a string`, "WS_ERR_INVALID_HEADER");
  }
  if (!isValidHeaderValue(value)) {
    throw new InvalidArgumentError(
      `invalid value for header ${name}: CR, LF, NUL and other control characters are not allowed`,
      "WS_ERR_INVALID_HEADER",
    );
  }
}

/**
 * Splits a comma-separated header value into trimmed, non-empty elements; commas inside quoted
 * strings do not split.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      current += ch;
      if (ch === "\\" && i + 1 < value.length) current += value[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      current += ch;
    } else if (ch === ",") {
      const trimmed = current.trim();
      if (trimmed !== "") out.push(trimmed);
      current = "";
    } else {
      current += ch;
    }
  }
  const trimmed = current.trim();
  if (trimmed !== "") out.push(trimmed);
  return out;
}

/** Whether the comma list `value` contains `token`, compared case-insensitively. */
export function headerListHasToken(value: string, token: string): boolean {
  const wanted = token.toLowerCase();
  return splitHeaderList(value).some((element) => element.toLowerCase() === wanted);
}

/** One extension of a `Sec-WebSocket-Extensions` header: its name and parameters (value `true` when bare). */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: ReadonlyMap<string, string | true>;
  /** Every parameter name in order, a repeated one each time (`params` keeps the last value). */
  readonly paramNames: readonly string[];
}

/**
 * Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1); undefined when it is malformed.
 * Parameter values may be tokens or quoted strings.
 */
export function parseExtensions(value: string): ExtensionOffer[] | undefined {
  const out: ExtensionOffer[] = [];
  for (const element of splitHeaderList(value)) {
    const parts = splitParams(element);
    if (parts === undefined) return undefined;
    const name = parts[0]!.trim();
    if (!isToken(name)) return undefined;
    const params = new Map<string, string | true>();
    const paramNames: string[] = [];
    for (const raw of parts.slice(1)) {
      const param = raw.trim();
      const eq = param.indexOf("=");
      if (eq === -1) {
        if (!isToken(param)) return undefined;
        params.set(param.toLowerCase(), true);
        paramNames.push(param.toLowerCase());
        continue;
      }
      const key = param.slice(0, eq).trim();
      let val = param.slice(eq + 1).trim();
      if (val.startsWith('"')) {
        if (val.length < 2 || !val.endsWith('"')) return undefined;
        val = val.slice(1, -1).replace(/\\(.)/g, "$1");
      }
      if (!isToken(key) || !isToken(val)) return undefined;
      params.set(key.toLowerCase(), val);
      paramNames.push(key.toLowerCase());
    }
    out.push({ name: name.toLowerCase(), params, paramNames });
  }
  return out;
}

/** Splits `a; b=1; c="x;y"` at semicolons outside quotes. */
function splitParams(element: string): string[] | undefined {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < element.length; i++) {
    const ch = element[i]!;
    if (quoted) {
      current += ch;
      if (ch === "\\" && i + 1 < element.length) current += element[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      current += ch;
    } else if (ch === ";") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (quoted) return undefined;
  parts.push(current);
  return parts;
}

/** The command line: parsing and validation with node:util's parseArgs, and the usage text. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ClientTransport } from "../api/index.js";

export const USAGE = `Usage:
  wsflow [options] [url]        connect to url (ws:// or wss://); with no url, start a local echo
                                server on 127.0.0.1 and connect to it
  wsflow serve [--host H] [--port N]
                                run only the echo server, until interrupted

Interactive when stdin is a terminal: type lines to send them; commands:
  /ping [text]   /close [code] [reason]   /binary <hex>   /help
Otherwise (a pipe) each input line is a message and each incoming message one output line;
when input ends the connection closes normally.

Options:
  -H, --header "Name: value"   add a request header (repeatable)
      --auth user:pass         HTTP Basic authentication
  -s, --subprotocol name       offer a subprotocol (repeatable)
      --origin origin          send an Origin header
      --insecure               do not verify the server's TLS certificate
      --ca file                trust this CA certificate (PEM)
      --proxy url              connect through this HTTP proxy (CONNECT tunnel), e.g.
                               http://user:pass@proxy.example:3128
      --deflate                offer permessage-deflate compression (RFC 7692)
      --ping seconds           send a keep-alive ping after this many idle seconds
      --max-message bytes      largest incoming message accepted (default 64 MiB)
      --show-ping-pong         print pings and pongs
      --no-color               no colours (the default when output is not a terminal)
      --json                   print one JSON object per event
      --host host, --port n    where the echo server listens (default 127.0.0.1, a free port)
  -h, --help                   this text
  -v, --version                the version

Exit status: 0 normal close, 1 connection or upgrade failure, 2 bad usage, 3 abnormal close.`;

/** Parsed options. */
export interface CliOptions {
  readonly command: "connect" | "serve" | "help" | "version";
  readonly url: string | undefined;
  readonly headers: readonly [string, string][];
  readonly auth: { readonly user: string; readonly password: string } | undefined;
  readonly subprotocols: readonly string[];
  readonly origin: string | undefined;
  readonly insecure: boolean;
  readonly ca: string | undefined;
  /** The HTTP proxy's URL, checked. */
  readonly proxy: string | undefined;
  readonly deflate: boolean;
  readonly pingSeconds: number | undefined;
  readonly maxMessage: number | undefined;
  readonly showPingPong: boolean;
  readonly color: boolean;
  readonly json: boolean;
  readonly host: string;
  readonly port: number;
}

/** A usage error: exit status 2. */
export class UsageError extends Error {}

/** Parses `argv` (without node and the script). Throws {@link UsageError}. */
export function parseCliOptions(argv: readonly string[], stdoutIsTty: boolean): CliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return defaults("help");
  if (values.version) return defaults("version");
  const serve = positionals[0] === "serve";
  const rest = serve ? positionals.slice(1) : positionals;
  if (rest.length > 1) throw new UsageError(`one URL at most, got: ${rest.join(" ")}`);
  const headers = (values.header ?? []).map((h): [string, string] => {
    const colon = h.indexOf(":");
    if (colon <= 0) throw new UsageError(`--header wants "Name: value", got ${JSON.stringify(h)}`);
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
  });
  let auth: CliOptions["auth"];
  if (values.auth !== undefined) {
    const colon = values.auth.indexOf(":");
    if (colon < 0) throw new UsageError("--auth wants user:pass");
    auth = { user: values.auth.slice(0, colon), password: values.auth.slice(colon + 1) };
  }
  const number = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min)
      throw new UsageError(`--${name} wants a number >= ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = readFileSync(values.ca, "utf8");
    } catch (error) {
      throw new UsageError(`--ca: cannot read ${values.ca}: ${(error as Error).message}`);
    }
  }
  if (values.proxy !== undefined) {
    try {
      ClientTransport.httpsProxy(values.proxy);
    } catch (error) {
      throw new UsageError(`--proxy: ${(error as Error).message}`);
    }
  }
  return {
    command: serve ? "serve" : "connect",
    url: rest[0],
    headers,
    auth,
    subprotocols: values.subprotocol ?? [],
    origin: values.origin,
    insecure: values.insecure ?? false,
    ca,
    proxy: values.proxy,
    deflate: values.deflate ?? false,
    pingSeconds: number("ping", values.ping, 0.001),
    maxMessage: number("max-message", values["max-message"], 1),
    showPingPong: values["show-ping-pong"] ?? false,
    color: stdoutIsTty && !values["no-color"] && !("NO_COLOR" in process.env),
    json: values.json ?? false,
    host: values.host ?? "127.0.0.1",
    port: number("port", values.port, 0) ?? 0,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      header: { type: "string", short: "H", multiple: true },
      auth: { type: "string" },
      subprotocol: { type: "string", short: "s", multiple: true },
      origin: { type: "string" },
      insecure: { type: "boolean" },
      ca: { type: "string" },
      proxy: { type: "string" },
      deflate: { type: "boolean" },
      ping: { type: "string" },
      "max-message": { type: "string" },
      "show-ping-pong": { type: "boolean" },
      "no-color": { type: "boolean" },
      json: { type: "boolean" },
      host: { type: "string" },
      port: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}

function defaults(command: "help" | "version"): CliOptions {
  return {
    command,
    url: undefined,
    headers: [],
    auth: undefined,
    subprotocols: [],
    origin: undefined,
    insecure: false,
    ca: undefined,
    proxy: undefined,
    deflate: false,
    pingSeconds: undefined,
    maxMessage: undefined,
    showPingPong: false,
    color: false,
    json: false,
    host: "127.0.0.1",
    port: 0,
  };
}

/**
 * What the command prints: incoming messages on stdout (one line each in pipe mode), everything
 * else on stderr, or one JSON object per event on stdout with --json. Colours only on a terminal.
 */
import type { Writable } from "node:stream";

const COLORS = {
  dim: "\x1b[2m",
  cyan: "\x1b[36m",
  green: "\x1b[32m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  reset: "\x1b[0m",
};

/** A short printable summary of binary data. */
export function describeBinary(data: Uint8Array, max = 32): string {
  const hex = Buffer.from(data.subarray(0, max)).toString("hex");
  return `[binary ${data.length} bytes] ${hex}${data.length > max ? "…" : ""}`;
}

export class Printer {
  constructor(
    private readonly out: Writable,
    private readonly err: Writable,
    private readonly options: {
      readonly json: boolean;
      readonly color: boolean;
      readonly interactive: boolean;
    },
  ) {}

  /** An incoming message. */
  message(kind: "text" | "binary", data: string | Uint8Array): void {
    if (this.options.json) {
      const payload =
        typeof data === "string"
          ? { data }
          : { data: Buffer.from(data).toString("base64"), encoding: "base64" };
      return this.json({ event: "message", kind, ...payload });
    }
    const text = typeof data === "string" ? data : describeBinary(data);
    if (this.options.interactive) this.out.write(`${this.paint("cyan", "<")} ${text}\n`);
    else this.out.write(`${text}\n`);
  }

  /** A status line (connected, closed, ping …). */
  status(
    event: string,
    text: string,
    fields: Record<string, unknown> = {},
    color: keyof typeof COLORS = "dim",
  ): void {
    if (this.options.json) return this.json({ event, ...fields });
    this.err.write(`${this.paint(color, `* ${text}`)}\n`);
  }

  /** A failure, with the HTTP response when there was one. */
  failure(text: string, fields: Record<string, unknown> = {}): void {
    if (this.options.json) return this.json({ event: "error", message: text, ...fields });
    this.err.write(`${this.paint("red", `! ${text}`)}\n`);
  }

  /** Extra text for a person (an error response's body), on stderr; nothing in JSON mode. */
  detail(text: string): void {
    if (!this.options.json) this.err.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  private json(value: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }

  private paint(color: keyof typeof COLORS, text: string): string {
    return this.options.color ? `${COLORS[color]}${text}${COLORS.reset}` : text;
  }
}

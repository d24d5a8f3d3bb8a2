/**
 * Reads the body of a regular (non-101) HTTP response so the caller can show it (a 401's
 * explanation, a 404 page): Content-Length, chunked (RFC 9112 §7.1) or until the connection
 * closes, keeping at most `maxBodySize` bytes and saying when it cut.
 */
import { concatBytes } from "../codec/index.js";
import type { ResponseHead } from "./http-response-parser.js";

/** Default bound on the kept body. */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024;

enum Mode {
  Length,
  Chunked,
  UntilClose,
  Done,
}

enum ChunkState {
  Size,
  Data,
  DataEnd,
  Trailers,
}

/** Incremental body reader; {@link ResponseBodyReader.push} returns true once the body is complete. */
export class ResponseBodyReader {
  private mode: Mode;
  private remaining = 0;
  private readonly parts: Uint8Array[] = [];
  private kept = 0;
  private cut = false;
  private chunkState = ChunkState.Size;
  private line = "";

  constructor(
    head: ResponseHead,
    private readonly maxBodySize: number = DEFAULT_MAX_BODY_SIZE,
  ) {
    const encoding = head.headers.get("transfer-encoding")?.toLowerCase();
    const length = head.headers.get("content-length");
    if (head.status === 204 || head.status === 304 || head.status < 200) {
      this.mode = Mode.Done;
    } else if (encoding?.split(",").pop()?.trim() === "chunked") {
      this.mode = Mode.Chunked;
    } else if (length !== undefined && /^\d+$/.test(length.trim())) {
      this.remaining = Number(length.trim());
      this.mode = this.remaining === 0 ? Mode.Done : Mode.Length;
    } else {
      this.mode = Mode.UntilClose;
    }
  }

  /** Whether the whole body has been read (or no more is worth reading: see {@link truncated}). */
  get complete(): boolean {
    return this.mode === Mode.Done;
  }

  /** True when the body was longer than `maxBodySize` and only its start was kept. */
  get truncated(): boolean {
    return this.cut;
  }

  /** The body kept so far. */
  body(): Uint8Array {
    return concatBytes(this.parts, this.kept);
  }

  /** Feeds body bytes; true when the body is complete. Once the bound is reached it stops reading. */
  push(chunk: Uint8Array): boolean {
    let pos = 0;
    while (pos < chunk.length && this.mode !== Mode.Done) {
      if (this.mode === Mode.Length) {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.keep(chunk.subarray(pos, pos + n));
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.mode = Mode.Done;
      } else if (this.mode === Mode.UntilClose) {
        this.keep(chunk.subarray(pos));
        pos = chunk.length;
      } else {
        pos = this.pushChunked(chunk, pos);
      }
    }
    return this.mode === Mode.Done;
  }

  /** The connection ended: whatever was read is the body. */
  end(): void {
    this.mode = Mode.Done;
  }

  private keep(bytes: Uint8Array): void {
    const room = this.maxBodySize - this.kept;
    if (bytes.length > room) {
      this.cut = true;
      // No point reading further: the caller only shows the bounded start.
      this.mode = Mode.Done;
    }
    const taken = bytes.length > room ? bytes.subarray(0, room) : bytes;
    if (taken.length > 0) {
      // Copied by the constructor: `slice` of a Node Buffer would be a view of the caller's chunk.
      this.parts.push(new Uint8Array(taken));
      this.kept += taken.length;
    }
  }

  private pushChunked(chunk: Uint8Array, pos: number): number {
    if (this.chunkState === ChunkState.Data) {
      const n = Math.min(this.remaining, chunk.length - pos);
      this.keep(chunk.subarray(pos, pos + n));
      this.remaining -= n;
      if (this.remaining === 0) this.chunkState = ChunkState.DataEnd;
      return pos + n;
    }
    // Size lines, the CRLF after data and trailers are read line by line.
    while (pos < chunk.length) {
      const b = chunk[pos++]!;
      if (b !== 0x0a) {
        if (this.line.length < 1024) this.line += String.fromCharCode(b);
        continue;
      }
      const line = this.line.replace(/\r$/, "");
      this.line = "";
      this.onChunkLine(line);
      break;
    }
    return pos;
  }

  private onChunkLine(line: string): void {
    if (this.chunkState === ChunkState.DataEnd) {
      this.chunkState = ChunkState.Size;
    } else if (this.chunkState === ChunkState.Size) {
      const size = Number.parseInt(line.split(";")[0]!.trim(), 16);
      if (!Number.isFinite(size) || size < 0) {
        this.mode = Mode.Done; // malformed: keep what we have
      } else if (size === 0) {
        this.chunkState = ChunkState.Trailers;
      } else {
        this.remaining = size;
        this.chunkState = ChunkState.Data;
      }
    } else if (line === "") {
      this.mode = Mode.Done;
    }
  }
}

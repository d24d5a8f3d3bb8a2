/** Records a FrameDecoder's calls as comparable strings, payload chunks merged per frame. */

import type { ProtocolViolation } from "../../src/codec/index.js";
import {
  FrameDecoder,
  type FrameDecoderHandler,
  type FrameDecoderOptions,
  type FrameHeader,
} from "../../src/codec/index.js";
import { toHex } from "./bits.js";

export class FrameRecorder implements FrameDecoderHandler {
  readonly events: string[] = [];
  readonly headers: FrameHeader[] = [];
  violation: ProtocolViolation | undefined;
  private payload: string[] = [];

  onFrameStart(header: FrameHeader): void {
    this.headers.push(header);
    const flags = `${header.fin ? "F" : "-"}${header.rsv1 ? "1" : "-"}${header.rsv2 ? "2" : "-"}${header.rsv3 ? "3" : "-"}`;
    this.events.push(
      `start ${flags} op=${header.opcode} len=${header.payloadLength} masked=${header.masked}`,
    );
    this.payload = [];
  }
  onFramePayload(chunk: Uint8Array): void {
    this.payload.push(toHex(chunk));
  }
  onFrameEnd(): void {
    this.events.push(`payload ${this.payload.join("")}`, "end");
  }
  onViolation(v: ProtocolViolation): void {
    this.violation = v;
    this.events.push(`violation ${v.closeCode} ${v.code}`);
  }
}

/** Decodes all chunks and returns the recorder. */
export function decodeAll(chunks: readonly Uint8Array[], options: FrameDecoderOptions): FrameRecorder {
  const recorder = new FrameRecorder();
  const decoder = new FrameDecoder(recorder, options);
  for (const c of chunks) decoder.push(c);
  return recorder;
}

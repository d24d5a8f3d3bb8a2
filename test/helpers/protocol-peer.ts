/** Helpers to drive a WebSocketProtocol as a client against hand-built server frames. */
import {
  encodeClosePayload,
  encodeUnmaskedFrame,
  FixedMaskKeySource,
  FrameDecoder,
  type FrameHeader,
  Opcode,
} from "../../src/codec/index.js";
import { type ProtocolOptions, WebSocketProtocol } from "../../src/protocol/index.js";
import { concat, utf8 } from "./bits.js";

/** A server frame (unmasked) as one buffer. */
export function serverFrame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  fin = true,
): Uint8Array {
  const bytes = typeof payload === "string" ? utf8(payload) : payload;
  return concat(encodeUnmaskedFrame(opcode, bytes, { fin }));
}

/** A server Close frame. */
export function serverClose(code?: number, reason = ""): Uint8Array {
  return serverFrame(Opcode.Close, encodeClosePayload(code, reason));
}

/** A client protocol with a fixed mask key and a manual clock. */
export function clientProtocol(options: Partial<ProtocolOptions> = {}): {
  protocol: WebSocketProtocol;
  clock: { now: number };
} {
  const clock = { now: 1000 };
  const protocol = new WebSocketProtocol({
    role: "client",
    maskKeys: new FixedMaskKeySource(0x3d21fa37),
    clock: () => clock.now,
    ...options,
  });
  return { protocol, clock };
}

/** Decodes what the client sent (masked frames) into readable lines. */
export function sentFrames(chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  let header: FrameHeader | undefined;
  let parts: Uint8Array[] = [];
  const decoder = new FrameDecoder(
    {
      onFrameStart: (h) => {
        header = h;
        parts = [];
      },
      onFramePayload: (c) => parts.push(c.slice()),
      onFrameEnd: () => {
        const payload = concat(parts);
        const h = header!;
        const body =
          h.opcode === Opcode.Close
            ? payload.length >= 2
              ? `${(payload[0]! << 8) | payload[1]!} ${new TextDecoder().decode(payload.subarray(2))}`.trim()
              : ""
            : new TextDecoder().decode(payload);
        out.push(`${h.fin ? "" : "(more) "}${opName(h.opcode)}${body === "" ? "" : ` ${body}`}`);
      },
      onViolation: (v) => out.push(`INVALID ${v.code}`),
    },
    { expectMasked: true },
  );
  for (const c of chunks) decoder.push(c.slice());
  return out;
}

function opName(opcode: number): string {
  return ["cont", "text", "binary", "", "", "", "", "", "close", "ping", "pong"][opcode] ?? `op${opcode}`;
}

/**
 * A scripted hostile server on 127.0.0.1 for the reliability tests: each test gives it a
 * behaviour (what to send, when, whether to answer), and it records the frames the client sent,
 * decoded, so tests can read back the close code the client put on the wire.
 */
import type * as net from "node:net";
import { FrameDecoder, type FrameHeader, Opcode } from "../../src/codec/index.js";
import { type RawRequest, startRawServer, upgradeResponse } from "./raw-server.js";

export interface ClientFrame {
  readonly header: FrameHeader;
  readonly payload: Buffer;
}

export interface HostileServer {
  url(path?: string): string;
  readonly port: number;
  /** Frames received from clients (all connections), in order. */
  readonly frames: ClientFrame[];
  /** Close codes the clients sent (undefined for an empty Close). */
  closeCodes(): (number | undefined)[];
  close(): Promise<void>;
}

/** What the server does with each connection. */
export type Behaviour = (
  socket: net.Socket,
  request: RawRequest,
  reply101: (extraHeaders?: string) => void,
) => void;

export async function startHostileServer(behaviour: Behaviour): Promise<HostileServer> {
  const frames: ClientFrame[] = [];
  const server = await startRawServer((socket, request) => {
    let current: { header: FrameHeader; parts: Buffer[] } | undefined;
    const decoder = new FrameDecoder(
      {
        onFrameStart: (header) => {
          current = { header, parts: [] };
        },
        onFramePayload: (chunk) => current!.parts.push(Buffer.from(chunk)),
        onFrameEnd: () => frames.push({ header: current!.header, payload: Buffer.concat(current!.parts) }),
        onViolation: () => {},
      },
      { expectMasked: true, maxFrameSize: 256 * 1024 * 1024 },
    );
    let upgraded = false;
    const reply101 = (extraHeaders = "") => {
      upgraded = true;
      socket.write(upgradeResponse(request.key, extraHeaders));
      if (request.rest.length > 0) decoder.push(new Uint8Array(request.rest));
    };
    socket.on("data", (chunk: Buffer) => {
      if (upgraded) decoder.push(new Uint8Array(chunk));
    });
    behaviour(socket, request, reply101);
  });
  return {
    url: server.url,
    port: server.port,
    frames,
    closeCodes: () =>
      frames
        .filter((f) => f.header.opcode === Opcode.Close)
        .map((f) => (f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined)),
    close: () => server.close(),
  };
}

/** An unmasked server frame. */
export function frame(
  opcode: number,
  payload: Buffer | string = Buffer.alloc(0),
  fin = true,
  firstByteExtra = 0,
): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const b0 = (fin ? 0x80 : 0) | firstByteExtra | opcode;
  if (data.length < 126) return Buffer.concat([Buffer.from([b0, data.length]), data]);
  if (data.length < 65536) {
    const h = Buffer.alloc(4);
    h[0] = b0;
    h[1] = 126;
    h.writeUInt16BE(data.length, 2);
    return Buffer.concat([h, data]);
  }
  const h = Buffer.alloc(10);
  h[0] = b0;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(data.length), 2);
  return Buffer.concat([h, data]);
}

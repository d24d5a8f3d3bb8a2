/**
 * WebSocket frame opcodes (RFC 6455 §5.2, §11.8).
 *
 * @packageDocumentation
 */

/** The opcodes RFC 6455 defines; every other value is reserved and invalid on the wire. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

/** One of the defined opcodes. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** True for the six opcodes RFC 6455 defines; 0x3-0x7 and 0xB-0xF are reserved. */
export function isDefinedOpcode(opcode: number): opcode is Opcode {
  return opcode <= Opcode.Binary || (opcode >= Opcode.Close && opcode <= Opcode.Pong);
}

/**
 * Node's native helpers the pure layers can be given: SIMD UTF-8 validation and uninitialised
 * allocation for buffers that are overwritten at once.
 */
import { Buffer, isUtf8 } from "node:buffer";

/** `isUtf8` from node:buffer (simdutf), for `Utf8Validator`'s bulk path. */
export const nativeUtf8Check: ((bytes: Uint8Array) => boolean) | undefined =
  typeof isUtf8 === "function" ? isUtf8 : undefined;

/** `Buffer.allocUnsafeSlow`: memory the frame encoder overwrites entirely. */
export const allocateUninitialised = (n: number): Uint8Array => Buffer.allocUnsafeSlow(n);

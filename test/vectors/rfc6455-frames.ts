/** RFC 6455 §5.7 example frames, as data. */
import { hex } from "../helpers/bits.js";

export const rfc6455Frames = {
  /** A single-frame unmasked text message "Hello". */
  unmaskedHello: hex("81 05 48 65 6c 6c 6f"),
  /** A single-frame masked text message "Hello" (key 37 fa 21 3d). */
  maskedHello: hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"),
  /** A fragmented unmasked text message: "Hel" then "lo". */
  fragmentedHel: hex("01 03 48 65 6c"),
  fragmentedLo: hex("80 02 6c 6f"),
  /** Unmasked Ping "Hello", and the masked Pong answering it. */
  unmaskedPing: hex("89 05 48 65 6c 6c 6f"),
  maskedPong: hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"),
  /** Headers of a 256-byte and a 64 KiB unmasked binary message. */
  binary256Header: hex("82 7E 0100"),
  binary64KiBHeader: hex("82 7F 0000000000010000"),
} as const;

/** The §1.3 example: a key and the accept value the server derives. */
export const rfc6455AcceptExample = {
  key: "dGhlIHNhbXBsZSBub25jZQ==",
  accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
} as const;

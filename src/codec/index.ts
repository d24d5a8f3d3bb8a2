/** The codec layer: frames, masking, UTF-8, close payloads. Pure; imports nothing. */
export * from "./byte-allocator.js";
export * from "./chunk-queue.js";
export * from "./close-code.js";
export * from "./close-payload.js";
export * from "./concat-bytes.js";
export * from "./connection-errors.js";
export * from "./errors.js";
export * from "./frame-arena.js";
export * from "./frame-decoder.js";
export * from "./frame-encoder.js";
export * from "./frame-header.js";
export * from "./mask-key-source.js";
export * from "./masking.js";
export * from "./opcode.js";
export * from "./utf8-decoding.js";
export * from "./utf8-validator.js";

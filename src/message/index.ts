/** The message layer: Message, TextMessage, BinaryMessage. Imports codec and stream. */
export * from "./message.js";
export * from "./message-errors.js";

/** Errors of the message layer. */
import { WebSocketError } from "../codec/index.js";

/** `toStrict` did not collect the message within its time-out. */
export class MessageTimeoutError extends WebSocketError {
  constructor(readonly timeoutMs: number) {
    super(
      "WS_ERR_MESSAGE_TIMEOUT",
      `the streamed message was not complete within ${timeoutMs} ms (toStrict)`,
    );
  }
}

/** A message exceeded the byte limit given to `toStrict`. */
export class MessageTooBigError extends WebSocketError {
  constructor(readonly maxBytes: number) {
    super("WS_ERR_MESSAGE_TOO_LARGE", `the message exceeds ${maxBytes} bytes (toStrict maxBytes)`);
  }
}

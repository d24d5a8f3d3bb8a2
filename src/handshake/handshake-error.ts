/** Errors of the opening handshake. */
import { WebSocketError } from "../codec/index.js";

/** Base class of handshake failures. */
export class HandshakeError extends WebSocketError {}

/** The response broke a limit (head size, header count, line length) or was not HTTP at all. */
export class HandshakeLimitError extends HandshakeError {
  /** The setting that bounds this limit, when there is one. */
  readonly setting: string | undefined;
  constructor(code: string, message: string, setting?: string) {
    super(code, message);
    this.setting = setting;
  }
}

/** The response was not a well-formed HTTP/1.x response head. */
export class MalformedResponseError extends HandshakeError {
  constructor(message: string) {
    super("WS_ERR_MALFORMED_RESPONSE", message);
  }
}

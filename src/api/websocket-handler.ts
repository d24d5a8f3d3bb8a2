/**
 * What a server-side handler is (Akka's `handleWebSocketMessages` with a choice per request): it
 * sees the request and answers with a flow, an acceptance naming a subprotocol, or a rejection.
 */
import { InvalidArgumentError } from "../codec/index.js";
import { type HttpHeaders, isToken, validateRejection } from "../handshake/index.js";
import type { Message } from "../message/index.js";
import type { Flow } from "../stream/index.js";

/** What the handler is told about a request. */
export interface WebSocketRequestInfo {
  /** The request target, e.g. "/chat?room=1". */
  readonly url: string;
  /** The path without the query. */
  readonly path: string;
  readonly headers: HttpHeaders;
  /** Subprotocols the client offered, in its order of preference. */
  readonly subprotocols: readonly string[];
  readonly remoteAddress: string;
}

/**
 * Accept the connection with `flow`, choosing `subprotocol` (one of those offered; one that was
 * not answers 500, see `onHandlerError`). Throws `InvalidArgumentError` at once for a subprotocol
 * that is not an HTTP token.
 */
export class WebSocketAccept {
  constructor(
    readonly flow: Flow<Message, Message, unknown>,
    readonly subprotocol?: string,
  ) {
    if (subprotocol !== undefined && !isToken(subprotocol)) {
      throw new InvalidArgumentError(`invalid subprotocol ${JSON.stringify(subprotocol)}: not an HTTP token`);
    }
  }
}

/**
 * Refuse the upgrade with an HTTP status (401, 403, 404 …; 300-599), a reason (sent as the body,
 * as text) and optional headers (`WWW-Authenticate`, `Location` …). Throws `InvalidArgumentError`
 * at once for a status outside 300-599, a header that is not a token or whose value has control
 * characters, or one the server writes itself (`Connection`, `Content-Length`,
 * `Transfer-Encoding`, `Content-Type`).
 */
export class WebSocketRejection {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: readonly (readonly [string, string])[] = [],
  ) {
    validateRejection(status, headers);
  }
}

/** What a handler returns (or resolves to). */
export type WebSocketHandlerResult = Flow<Message, Message, unknown> | WebSocketAccept | WebSocketRejection;

/** Decides, per request, how to handle it. A thrown error or a rejected promise answers 500. */
export type WebSocketHandler = (
  request: WebSocketRequestInfo,
) => WebSocketHandlerResult | Promise<WebSocketHandlerResult>;

/**
 * Told when a handler fails (throws, rejects, or accepts with a subprotocol the client did not
 * offer); the client gets a 500. The default writes the error to `console.error`, so that a bug
 * in a handler is never silent.
 */
export type HandlerErrorListener = (error: unknown, request: WebSocketRequestInfo) => void;

/** The default {@link HandlerErrorListener}. */
export const logHandlerError: HandlerErrorListener = (error, request) =>
  console.error(`wsflow: the WebSocket handler failed for ${request.url} (answered 500):`, error);

/** The settings the engine stages run with (the API layer fills them from ClientConnectionSettings). */
import type { BulkUtf8Check, ByteAllocator, RandomFill } from "../codec/index.js";

/** Engine settings, all resolved (no defaults applied here). */
export interface EngineSettings {
  /** Clients mask what they send; servers require masked input. */
  readonly role: "client" | "server";
  /** Single-frame messages up to this size arrive strict. */
  readonly strictThreshold: number;
  readonly maxFrameSize: number;
  readonly maxMessageSize: number;
  /** Outgoing messages are cut into frames of at most this many bytes. */
  readonly maxOutgoingFrameSize: number;
  readonly closeTimeout: number;
  /** Fail with IdleTimeoutError after this long without traffic; undefined: never. */
  readonly idleTimeout: number | undefined;
  /** Send a keep-alive after this long without traffic; undefined: never. */
  readonly periodicKeepAliveMaxIdle: number | undefined;
  readonly periodicKeepAliveMode: "ping" | "pong";
  readonly periodicKeepAliveData: () => Uint8Array;
  /** With keep-alive pings, fail when no pong came back within this long; undefined: never. */
  readonly keepAlivePongTimeout: number | undefined;
  /** How long a streamed incoming message may wait for its consumer. */
  readonly streamedMessageTimeout: number;
  /** Called with one line per frame sent or received, when set. */
  readonly logFrames: ((line: string) => void) | undefined;
  readonly randomFill: RandomFill | undefined;
  readonly utf8Bulk: BulkUtf8Check | undefined;
  readonly allocate: ByteAllocator | undefined;
  /**
   * Memory for an incoming message assembled from several pieces; the application keeps it, so it
   * is never carved from a shared slab. Default `new Uint8Array(n)`; Node skips the zero-fill.
   */
  readonly allocateMessage: ByteAllocator | undefined;
  /**
   * Told that the stage keeps no view of a chunk the transport gave it (every byte decoded, every
   * event handled, nothing handed on as a view), while the chunk is being delivered: the transport
   * may then read into the same memory (`returnReadChunk` of the TCP transport). Undefined: never told.
   */
  readonly returnInput: ((chunk: Uint8Array) => void) | undefined;
}

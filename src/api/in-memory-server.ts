/**
 * `ClientTransport.inMemory(handler)`: connections that reach a WebSocket handler in the same
 * process without a socket, served as `newServerAt(...).bindFlow(handler)` serves them (the same
 * request validation, subprotocol choice, rejections, compression and closing), for tests of code
 * built on wsflow. The client's bytes are read up to the end of its request head here (the part
 * Node's http parser does for a real server); from the 101 on, the two sides exchange bytes
 * through two queues, each with back-pressure.
 */
import { concatBytes } from "../codec/index.js";
import { headText, parseRequestHead, renderRejection, requestHeadEnd } from "../handshake/index.js";
import { type Deferred, deferred, Flow, Keep, Sink, Source, type SourceQueue } from "../stream/index.js";
import type { PendingUpgrade } from "../transport/index.js";
import { defaultClientConnectionSettings, resolveSettings } from "./client-connection-settings.js";
import type { ClientTransport } from "./client-transport.js";
import type { ServerOptions } from "./server-binding.js";
import { UpgradeHandling } from "./upgrade-handling.js";
import type { WebSocketHandler } from "./websocket-handler.js";

/** A transport to an in-process handler; see {@link ClientTransport.inMemory}. */
export interface InMemoryServer extends ClientTransport {
  /** Connections currently open. */
  readonly connections: number;
  /** Stops accepting; closes open connections with 1001 and waits for them (each bounded by `closeTimeout`). */
  close(): Promise<void>;
}

/** Options of `ClientTransport.inMemory`: the server side's settings and handler-error listener, as for `newServerAt`. */
export type InMemoryServerOptions = ServerOptions;

/** A request head longer than this is refused (431), as Node's http server does past 16 KiB. */
const MAX_HEAD = 16 * 1024;
/** Chunks buffered in each direction before the writer waits. */
const PIPE_BUFFER = 16;

const encoder = new TextEncoder();
const NO_BYTES = new Uint8Array(0);

/** Makes an in-memory server for `handler`; see {@link ClientTransport.inMemory}. */
export function inMemoryServer(
  handler: WebSocketHandler,
  options: InMemoryServerOptions = {},
): InMemoryServer {
  const handling = new UpgradeHandling(
    handler,
    resolveSettings(defaultClientConnectionSettings, options.settings),
    options.onHandlerError,
  );
  return {
    connectTo: () => clientSide(handling),
    get connections() {
      return handling.connections;
    },
    close: () => handling.closeAll(),
  };
}

/**
 * The client's end of one connection: what it writes goes to an {@link InMemoryConnection}, what it
 * reads comes from the queue that connection writes into.
 */
function clientSide(handling: UpgradeHandling): Flow<Uint8Array, Uint8Array, unknown> {
  let connection: InMemoryConnection | undefined;
  const toServer = Sink.foreachAsync<Uint8Array>(1, (chunk) =>
    connection!.fromClient(chunk),
  ).mapMaterializedValue((done) =>
    done.then(
      () => connection?.clientEnded(),
      (error: unknown) => connection?.clientEnded(error),
    ),
  );
  const fromServer = Source.queue<Uint8Array>(PIPE_BUFFER, "backpressure");
  return Flow.fromSinkAndSourceMat(toServer, fromServer, (_, toClient) => {
    connection = new InMemoryConnection(toClient, handling);
  });
}

/** The server's view of one in-memory connection: an upgrade request, then a byte pipe. */
class InMemoryConnection implements PendingUpgrade {
  method = "";
  httpVersion = "";
  url = "/";
  rawHeaders: readonly string[] = [];
  readonly remoteAddress = "in-memory";

  private phase: "head" | "deciding" | "open" | "closed" = "head";
  /** The request head's bytes so far. */
  private head: Uint8Array = NO_BYTES;
  private readonly decided: Deferred<void> = deferred();
  /** What the client writes, for the server's side, once the upgrade is accepted. */
  private toServer: SourceQueue<Uint8Array> | undefined;

  constructor(
    private readonly toClient: SourceQueue<Uint8Array>,
    private readonly handling: UpgradeHandling,
  ) {}

  get closed(): boolean {
    return this.phase === "closed";
  }

  /** Bytes the client wrote; the promise holds the client back while the server cannot take them. */
  async fromClient(chunk: Uint8Array): Promise<void> {
    if (this.phase === "open") {
      await this.toServer!.offer(chunk);
      return;
    }
    if (this.phase !== "head") return; // refused or dropped: nobody reads any more
    const bytes = this.head.length === 0 ? chunk : concatBytes([this.head, chunk]);
    const end = requestHeadEnd(bytes);
    if (end === -1) {
      if (bytes.length > MAX_HEAD) return this.respond(renderRejection(431, "request head too large"));
      this.head = bytes === chunk ? chunk.slice() : bytes;
      return;
    }
    this.head = NO_BYTES;
    // Bytes after the head (frames sent without waiting for the 101) go to the server once it is open.
    const rest = end < bytes.length ? bytes.slice(end) : undefined;
    const parsed = parseRequestHead(headText(bytes.subarray(0, end)));
    if ("error" in parsed) return this.respond(renderRejection(400, parsed.error));
    this.method = parsed.method;
    this.httpVersion = parsed.httpVersion;
    this.url = parsed.target;
    this.rawHeaders = parsed.headers.flat();
    this.phase = "deciding";
    this.handling.handle(this);
    await this.decided.promise; // the handler's answer, perhaps asynchronous
    if (rest !== undefined && this.toServer !== undefined && !this.closed) await this.toServer.offer(rest);
  }

  /** The client stopped writing (it closed its end, or failed). */
  clientEnded(error?: unknown): void {
    if (this.phase === "open") {
      if (error === undefined) this.toServer!.complete();
      else this.toServer!.fail(error);
    } else if (this.phase !== "closed") {
      this.destroy();
    }
  }

  respond(response: Uint8Array): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    void this.toClient.offer(response);
    this.toClient.complete();
    this.decided.resolve();
  }

  accept(responseHead: string): Flow<Uint8Array, Uint8Array, unknown> {
    void this.toClient.offer(encoder.encode(responseHead));
    const toClient = this.toClient;
    const fromServer = Sink.foreachAsync<Uint8Array>(1, async (chunk) => {
      await toClient.offer(chunk);
    }).mapMaterializedValue((done) =>
      done.then(
        () => toClient.complete(),
        (error: unknown) => toClient.fail(error),
      ),
    );
    const toServer = Source.queue<Uint8Array>(PIPE_BUFFER, "backpressure").mapMaterializedValue((queue) => {
      this.toServer = queue;
      this.phase = "open";
      this.decided.resolve();
      return queue;
    });
    return Flow.fromSinkAndSourceMat(fromServer, toServer, Keep.none);
  }

  destroy(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.toServer?.complete();
    this.toClient.complete();
    this.decided.resolve();
  }
}

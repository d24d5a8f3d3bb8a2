/**
 * `Tcp.outgoingConnection`: a TCP (or TLS) connection as a `Flow<Uint8Array, Uint8Array>`. Bytes
 * pushed in are written; bytes read come out. Back-pressure both ways: the socket is paused while
 * downstream has no demand, and nothing more is pulled while the socket's write buffer is full.
 * The first write of a tick goes out at once; the writes after it in the same tick are corked
 * together (one syscall per batch of small frames, and no delay for a lone message). Where reads
 * cause several writes each (answers to the messages in them, under load), a read's writes are all
 * corked until it is delivered, then sent together: one syscall per read. Reads go into
 * memory the transport chooses, reused when the reader says it kept no view of a chunk (see
 * "Reads into memory of the transport's choosing" below).
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import * as net from "node:net";
import type * as Tls from "node:tls";
import { InvalidArgumentError } from "../codec/index.js";
import {
  type Deferred,
  deferred,
  Flow,
  GraphStageLogic,
  type Inlet,
  InPortHandler,
  type Outlet,
  OutPortHandler,
} from "../stream/index.js";
import {
  AbortedError,
  ConnectionError,
  ConnectTimeoutError,
  describeSocketError,
  ProxyTunnelError,
} from "./connection-error.js";
import {
  checkHttpProxy,
  type HttpProxy,
  type ProxyAnswer,
  ProxyAnswerReader,
  renderConnectRequest,
} from "./http-proxy.js";

let tlsModule: typeof Tls | undefined;
/**
 * node:tls, loaded on the first `wss:` connection rather than when the package is imported: most
 * clients never need it, and it is ~1.5 ms of a fresh process's start. Synchronously, because a
 * connection starts synchronously; `createRequire` works in Node, Deno and Bun alike.
 */
function tls(): typeof Tls {
  tlsModule ??= createRequire(import.meta.url)("node:tls") as typeof Tls;
  return tlsModule;
}

/** TLS options: a subset of Node's, passed through. */
export interface TlsOptions {
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Verify the server's certificate (default true). */
  readonly rejectUnauthorized?: boolean;
  /** The SNI name; default the host (unless it is an IP address). */
  readonly servername?: string;
}

/** Options of {@link Tcp.outgoingConnection}. */
export interface OutgoingConnectionOptions {
  /** Use TLS with these options (`wss:`). */
  readonly tls?: TlsOptions | true;
  readonly localAddress?: string;
  /** A custom name resolver (`dns.lookup`'s signature), e.g. for a private DNS or for tests. */
  readonly lookup?: net.LookupFunction;
  /** Connect (TCP and TLS) within this many ms (default 10,000). */
  readonly connectingTimeout?: number;
  readonly signal?: AbortSignal;
  /**
   * Connect through this HTTP proxy: a CONNECT tunnel to `host:port` (RFC 9110 §9.3.6), over which
   * TLS, if any, runs end to end with the server. `lookup` and `localAddress` apply to the proxy's
   * address, `connectingTimeout` to the whole (proxy, tunnel, TLS). A refusal is a `ProxyTunnelError`.
   */
  readonly proxy?: HttpProxy;
  /**
   * Connect to this Unix domain socket (a named pipe on Windows) instead of `host:port`, which then
   * only name the server (the `Host` header, TLS's server name, error messages).
   */
  readonly socketPath?: string;
  /**
   * Resolve the materialized connection with its local and remote addresses (default true). Each
   * costs a system call and a few objects kept with the socket; a caller that ignores them (the
   * WebSocket client does) passes false and gets empty addresses.
   */
  readonly reportAddresses?: boolean;
  /**
   * Memory the writer only lends: each chunk it `owns` is passed to `release` once the socket
   * has written it (or dropped it on an error). The WebSocket client lends its frame arena.
   */
  readonly lentBytes?: LentBytes;
}

/** Bytes lent to a transport, to be handed back once written (see `OutgoingConnectionOptions.lentBytes`). */
export interface LentBytes {
  owns(bytes: Uint8Array): boolean;
  release(bytes: Uint8Array): void;
}

/** What `outgoingConnection` materializes once connected. */
export interface OutgoingConnection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

const DEFAULT_CONNECTING_TIMEOUT = 10_000;
const NO_ADDRESSES: OutgoingConnection = Object.freeze({
  localAddress: "",
  localPort: 0,
  remoteAddress: "",
  remotePort: 0,
});
/** Bytes written ahead of the socket before back-pressure applies. */
const WRITE_AHEAD = 256 * 1024;

/** The stage a socket feeds, so that its listeners can be shared functions rather than closures. */
const stageOfSocket = Symbol("wsflow.tcpStage");
type StagedSocket = net.Socket & { [stageOfSocket]?: TcpConnectionLogic };

// Socket listeners: one set for all connections; each finds its stage through the socket (an
// idle connection lives for hours, so a closure per event per connection is memory).
function onSocketConnect(this: StagedSocket): void {
  // Before the first write. Set before connecting, Node would set it again once connected: two
  // system calls per connection instead of one (a TLS socket has it from the start, for its handshake).
  this.setNoDelay(true);
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onConnect, undefined);
}
function onSocketData(this: StagedSocket, chunk: Buffer): void {
  const stage = this[stageOfSocket];
  // Plain Uint8Array views: the decoder slices every chunk, and Buffer's subarray is several
  // times slower than Uint8Array's (it builds a FastBuffer each time).
  stage?.deliverRead(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
}

// ---- Reads into memory of the transport's choosing (Node's `onread`) ------------------------------
//
// By default Node reads into a fresh 64 KiB buffer per read (and copies a short read into one of
// its size). Here a socket reads into one of two places:
// - A buffer shared by all sockets (an idle or lightly used socket holds no read memory of its
//   own). What arrives there is copied out at once into memory of its exact size, so nothing refers
//   to the shared buffer once the read is delivered.
// - A busy socket (its last read filled the buffer) reads into a 64 KiB buffer of its own, whose
//   chunks go downstream as they are, without a copy. If the reader returns the chunk while it is
//   delivered (`returnReadChunk`: it kept no view of it) and the read filled the buffer, the next
//   read goes into the same memory; otherwise the views own that memory and the next read gets
//   new memory (or, after a short read, the shared buffer again). Receiving 64 KiB messages then
//   allocates one buffer per message (its own) instead of two, halving the garbage. The price: a
//   short read into a socket's own buffer whose views are kept pins all 64 KiB (Node would have
//   shrunk it), which only happens at the start of a burst.

const SHARED_READ_SIZE = 16 * 1024;
const OWN_READ_SIZE = 64 * 1024;
/** Made at the first read (a process that never reads needs none). */
let sharedReadBuffer: Buffer | undefined;
/** The chunk of a socket's own buffer being delivered, and whether its reader returned it. */
let delivering: Uint8Array | undefined;
let deliveredChunkReturned = false;

/**
 * The reader of a chunk that `Tcp.outgoingConnection` is delivering says it keeps no view of it
 * (every byte was consumed or copied): the socket may read into that memory again. Only heeded for
 * the chunk being delivered, and only while it is (the call must come from within the push); any
 * other call is ignored, so a reader that never returns chunks is always safe.
 */
export function returnReadChunk(chunk: Uint8Array): void {
  if (chunk === delivering) deliveredChunkReturned = true;
}

/**
 * Where the socket that just read reads next: set by `onSocketRead` as its last step, taken by
 * `nextReadBuffer`, which Node calls right after it (without the socket: it passes no `this`).
 */
let nextRead: Buffer | undefined;

/** `onread.buffer`: where the next read goes (also called once when the socket is made). */
function nextReadBuffer(): Buffer {
  const buffer = nextRead ?? (sharedReadBuffer ??= Buffer.allocUnsafeSlow(SHARED_READ_SIZE));
  nextRead = undefined;
  return buffer;
}

/** `onread.callback`: `nread` bytes arrived in `buffer` (back-pressure pauses the socket itself, hence true). */
function onSocketRead(this: StagedSocket, nread: number, buffer: Buffer): boolean {
  const stage = this[stageOfSocket];
  if (stage !== undefined) {
    stage.onRead(nread, buffer);
    nextRead = stage.ownReadBuffer;
  }
  return true;
}

/** The `onread` option: shared functions, no closure per socket. */
const READ_INTO_CHOSEN_MEMORY = { buffer: nextReadBuffer, callback: onSocketRead };

/**
 * TLS sockets keep 'data' events: their reads end at TLS records (16 KiB of plaintext at most), so
 * a busy TLS socket would never fill a 64 KiB buffer of its own and would get a new one per read.
 *
 * Whether sockets are made with `READ_INTO_CHOSEN_MEMORY`. Node and Deno call `onread.callback`
 * with the socket as `this`; Bun (1.4) calls it without, so a shared callback cannot tell the
 * sockets apart there: Bun reads through 'data' events, as before.
 */
const readsIntoChosenMemory = (globalThis as { Bun?: unknown }).Bun === undefined;

// Until a proxy's tunnel is open: the socket to the proxy connected, and its answer arriving.
function onProxySocketConnect(this: StagedSocket): void {
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onProxyConnect, undefined);
}
function onProxyData(this: StagedSocket, chunk: Buffer): void {
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onProxyData, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
}

function onSocketEnd(this: StagedSocket): void {
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onEnd, undefined);
}
function onSocketDrain(this: StagedSocket): void {
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onDrain, undefined);
}
function onSocketError(this: StagedSocket, error: unknown): void {
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onError, error);
}
function onSocketClose(this: StagedSocket): void {
  const stage = this[stageOfSocket];
  stage?.fromSocket(stage.onClose, undefined);
}

// The end of a tick's writes (`process.nextTick` with arguments: no closure per tick).
const IDLE = 0;
const WROTE = 1;
const CORKED = 2;
function endOfTick(stage: TcpConnectionLogic, socket: net.Socket): void {
  if (stage.writeState === CORKED) socket.uncork();
  stage.writeState = IDLE;
}

/** A socket a server accepted, and the bytes already read from it. */
class AcceptedSocket {
  constructor(
    readonly socket: net.Socket,
    readonly head: Uint8Array,
  ) {}
}

/**
 * Until connected: the options to connect with (or an accepted socket to run over instead, and the
 * bytes already read from it), and the promise of the connection's addresses.
 */
class Connecting {
  readonly connected: Deferred<OutgoingConnection> = deferred<OutgoingConnection>();
  /** Through a proxy: its answer to CONNECT, until the tunnel is open. */
  proxyAnswer: ProxyAnswerReader | undefined = undefined;
  /** Through a proxy: the TCP connection to it is made (CONNECT sent). */
  proxyReached = false;
  constructor(readonly setup: OutgoingConnectionOptions | AcceptedSocket) {}
}

/** The host name of the last connection made (see the stage's constructor). */
let lastHost = "";

// The read side's states.
const CONNECTING = 0;
const READING = 1;
const READ_ENDED = 2;

class TcpConnectionLogic extends GraphStageLogic {
  readonly in: Inlet<Uint8Array> = this.inlet<Uint8Array>("tcp.in");
  readonly out: Outlet<Uint8Array> = this.outlet<Uint8Array>("tcp.out");
  private socket: StagedSocket | undefined;
  /** CONNECTING, then READING until the socket's read side ends (READ_ENDED). */
  private readState = CONNECTING;
  /** Chunks read while downstream had no demand (none most of the time: made when needed). */
  private readQueue: Uint8Array[] | undefined = undefined;
  /**
   * This tick: nothing written yet, one write sent, or later writes corked (read by `endOfTick`,
   * outside the class).
   */
  writeState = IDLE;
  private readonly signal: AbortSignal | undefined;
  /** See `OutgoingConnectionOptions.lentBytes`. */
  private readonly lent: LentBytes | undefined;

  /** A socket event, into the graph (the listeners above are outside the class). */
  fromSocket<T>(handler: (this: this, value: T) => void, value: T): void {
    this.invokeFromOutside(handler, value);
  }

  /** The abort signal's listener (an `EventListenerObject`: no closure). @internal */
  handleEvent(): void {
    this.invokeFromOutside(this.onError, new AbortedError(this.signal?.reason));
  }

  onConnect(): void {
    this.readState = READING;
    this.cancelTimer("connect");
    const s = this.socket!;
    const reportAddresses = this.options?.reportAddresses !== false;
    const connected = this.connecting?.connected;
    // Only connecting needs them (the stage lives as long as the connection).
    this.connecting = undefined;
    connected?.resolve(
      reportAddresses
        ? {
            localAddress: s.localAddress ?? "",
            localPort: s.localPort ?? 0,
            remoteAddress: s.remoteAddress ?? "",
            remotePort: s.remotePort ?? 0,
          }
        : NO_ADDRESSES,
    );
    if (!this.isClosed(this.in)) this.pull(this.in);
  }

  /** The socket's own read buffer while it is busy (see "Reads into memory …" above). @internal */
  ownReadBuffer: Buffer | undefined = undefined;

  /** `nread` bytes were read into `buffer` (the shared one or this socket's own). @internal */
  onRead(nread: number, buffer: Buffer): void {
    if (buffer !== this.ownReadBuffer) {
      const copy = Buffer.allocUnsafe(nread);
      buffer.copy(copy, 0, 0, nread);
      // A full read: more is waiting, so the socket is busy; it reads into its own memory next.
      if (nread === buffer.length) this.ownReadBuffer = Buffer.allocUnsafeSlow(OWN_READ_SIZE);
      this.deliverRead(new Uint8Array(copy.buffer, copy.byteOffset, nread));
      return;
    }
    const chunk = new Uint8Array(buffer.buffer, buffer.byteOffset, nread);
    delivering = chunk;
    deliveredChunkReturned = false;
    this.deliverRead(chunk);
    delivering = undefined;
    if (nread < buffer.length)
      this.ownReadBuffer = undefined; // light traffic: the shared buffer again
    else if (!deliveredChunkReturned) this.ownReadBuffer = Buffer.allocUnsafeSlow(OWN_READ_SIZE);
  }

  /**
   * While a chunk just read is delivered: how many writes it has caused so far; -1 between deliveries.
   * (See `write`.)
   */
  private deliveryWrites = -1;
  /** The writes the last delivered read caused: more than one, and the next read's writes are batched. */
  private lastDeliveryWrites = 0;

  /** Delivers a chunk read from the socket, then sends what it corked at once. @internal */
  deliverRead(chunk: Uint8Array): void {
    this.deliveryWrites = 0;
    this.fromSocket(this.onData, chunk);
    this.lastDeliveryWrites = this.deliveryWrites;
    this.deliveryWrites = -1;
    if (this.writeState === CORKED) {
      this.writeState = WROTE;
      this.socket?.uncork();
    }
  }

  onData(chunk: Uint8Array): void {
    if (this.isAvailable(this.out) && this.readQueue === undefined) {
      this.push(this.out, chunk);
    } else {
      (this.readQueue ??= []).push(chunk);
      this.socket?.pause();
    }
  }

  onEnd(): void {
    this.readState = READ_ENDED;
    if (this.readQueue === undefined) this.complete(this.out);
  }

  onDrain(): void {
    if (!this.isClosed(this.in) && !this.hasBeenPulled(this.in)) this.pull(this.in);
  }

  onError(error: unknown): void {
    const failure =
      error instanceof ConnectionError || error instanceof AbortedError
        ? error
        : this.awaitingProxy
          ? this.proxyFailure(
              `${this.connecting!.proxyReached ? "failed before answering CONNECT" : "could not be reached"}: ${describeSocketError(error)}`,
              undefined,
              error,
            )
          : new ConnectionError(this.host, this.port, this.describeFailure(error), { cause: error });
    this.connecting?.connected.reject(failure);
    this.connecting = undefined;
    this.failStage(failure);
  }

  onClose(): void {
    if (this.readState === CONNECTING) {
      return this.onError(
        this.awaitingProxy
          ? this.proxyFailure("closed the connection without answering CONNECT")
          : new ConnectionError(this.host, this.port, "closed before connecting"),
      );
    }
    this.readState = READ_ENDED;
    if (this.readQueue === undefined) this.completeStage();
  }

  private readonly host: string;
  /** What only connecting needs; dropped once connected (one field: the stage lives as long as the connection). */
  private connecting: Connecting | undefined;

  constructor(
    host: string,
    private readonly port: number,
    setup: OutgoingConnectionOptions | AcceptedSocket,
  ) {
    super();
    // Connections to one host share its name's string (parsed afresh from each URL, and kept).
    this.host = host === lastHost ? lastHost : (lastHost = host);
    this.connecting = new Connecting(setup);
    const options = this.options;
    this.signal = options?.signal;
    this.lent = options?.lentBytes;
    // Handlers call methods of this stage: no closures per port (a connection lives long).
    const T = TcpConnectionLogic.prototype;
    this.setHandler(this.in, new InPortHandler(this, T.onBytesToWrite, T.onWritesDone, T.onWritesFailed));
    this.setHandler(this.out, new OutPortHandler(this, T.onReadDemand, T.completeStage));
  }

  private onBytesToWrite(): void {
    this.write(this.grab(this.in));
  }

  /** Our side is done writing: half-close, keep reading until the peer closes. */
  private onWritesDone(): void {
    this.socket?.end();
    if (this.readState === READ_ENDED && this.readQueue === undefined) this.completeStage();
  }

  private onWritesFailed(error: unknown): void {
    this.socket?.destroy();
    this.failStage(error);
  }

  private onReadDemand(): void {
    const queue = this.readQueue;
    const chunk = queue?.shift();
    if (chunk) {
      this.push(this.out, chunk);
      if (queue!.length === 0) {
        this.readQueue = undefined;
        if (this.readState === READ_ENDED) this.complete(this.out);
        else this.socket?.resume();
      }
    }
  }

  /** The connect options, until connected (none for an accepted socket). */
  private get options(): OutgoingConnectionOptions | undefined {
    const setup = this.connecting?.setup;
    return setup === undefined || setup instanceof AcceptedSocket ? undefined : setup;
  }

  /** @internal The materialized value: settles once connected, or when connecting failed. */
  get connected(): Promise<OutgoingConnection> {
    return this.connecting!.connected.promise;
  }

  override preStart(): void {
    const setup = this.connecting!.setup;
    if (setup instanceof AcceptedSocket) return this.adopt(setup.socket, setup.head);
    const options = setup;
    const signal = this.signal;
    if (signal?.aborted) return this.onError(new AbortedError(signal.reason));
    signal?.addEventListener("abort", this, { once: true });
    const timeout = options.connectingTimeout ?? DEFAULT_CONNECTING_TIMEOUT;
    this.scheduleOnce("connect", timeout);
    if (options.proxy !== undefined) return this.connectToProxy(options, options.proxy);
    const tlsOptions = options.tls === true ? {} : options.tls;
    const address =
      options.socketPath !== undefined
        ? { path: options.socketPath }
        : {
            host: this.host,
            port: this.port,
            ...(options.localAddress ? { localAddress: options.localAddress } : {}),
            ...(options.lookup ? { lookup: options.lookup } : {}),
          };
    const socket = tlsOptions
      ? this.startTls(tlsOptions, address)
      : net.connect({ ...address, ...(readsIntoChosenMemory ? { onread: READ_INTO_CHOSEN_MEMORY } : {}) });
    this.socket = socket;
    if (tlsOptions) socket.setNoDelay(true);
    socket.once(tlsOptions ? "secureConnect" : "connect", onSocketConnect);
    this.listen(socket, !tlsOptions && readsIntoChosenMemory);
  }

  /** A TLS socket to the server, made with `connect` (the address, or a tunnel's socket). */
  private startTls(tlsOptions: TlsOptions, connect: Tls.ConnectionOptions): Tls.TLSSocket {
    return tls().connect({
      ...connect,
      ...(tlsOptions.ca ? { ca: tlsOptions.ca as string[] } : {}),
      ...(tlsOptions.cert ? { cert: tlsOptions.cert } : {}),
      ...(tlsOptions.key ? { key: tlsOptions.key } : {}),
      rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
      ...((tlsOptions.servername ?? (net.isIP(this.host) ? undefined : this.host))
        ? { servername: tlsOptions.servername ?? this.host }
        : {}),
    });
  }

  // ---- Through an HTTP proxy: CONNECT, then the tunnel is the connection ---------------------------

  /** Connects to the proxy; once connected, asks it for a tunnel (`onProxyConnect`). */
  private connectToProxy(options: OutgoingConnectionOptions, proxy: HttpProxy): void {
    this.connecting!.proxyAnswer = new ProxyAnswerReader();
    const socket: StagedSocket = net.connect({
      host: proxy.host,
      port: proxy.port,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    this.socket = socket;
    socket[stageOfSocket] = this;
    socket.once("connect", onProxySocketConnect);
    socket.on("data", onProxyData);
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
  }

  /** @internal The proxy accepted the TCP connection: ask for the tunnel. */
  onProxyConnect(): void {
    this.connecting!.proxyReached = true;
    const socket = this.socket!;
    socket.setNoDelay(true);
    socket.write(renderConnectRequest(this.host, this.port, this.options!.proxy!));
  }

  /** @internal Bytes of the proxy's answer (and, after its head, possibly the server's first). */
  onProxyData(chunk: Uint8Array): void {
    const connecting = this.connecting;
    const answer = connecting?.proxyAnswer?.push(chunk);
    if (answer === undefined) return;
    if (typeof answer === "string") return this.onError(this.proxyFailure(answer));
    if (!answer.tunnelOpen) {
      const status = `${answer.status}${answer.reason ? ` ${answer.reason}` : ""}`;
      return this.onError(this.proxyFailure(`answered ${status}`, answer.status));
    }
    connecting!.proxyAnswer = undefined;
    this.openTunnel(answer);
  }

  /** A socket error in words, and the Unix socket when the connection was to one. */
  private describeFailure(error: unknown): string {
    const path = this.options?.socketPath;
    return path === undefined
      ? describeSocketError(error)
      : `${describeSocketError(error)} (Unix socket ${path})`;
  }

  /** Whether the socket is the proxy's, the tunnel not open yet. */
  private get awaitingProxy(): boolean {
    return this.connecting?.proxyAnswer !== undefined;
  }

  /** The error for a proxy that would not open the tunnel (only while connecting through one). */
  private proxyFailure(problem: string, status?: number, cause?: unknown): ProxyTunnelError {
    const proxy = this.options!.proxy!;
    return new ProxyTunnelError(this.host, this.port, proxy.host, proxy.port, problem, status, { cause });
  }

  /** The proxy opened the tunnel: the socket now reaches the server; TLS starts here for `wss:`. */
  private openTunnel(answer: ProxyAnswer): void {
    const socket = this.socket!;
    // No 'data' listener must be left in flowing mode: bytes would be read and dropped.
    socket.pause();
    socket.removeListener("data", onProxyData);
    const options = this.options!;
    const tlsOptions = options.tls === true ? {} : options.tls;
    if (!tlsOptions) {
      this.listen(socket, false, false);
      this.onConnect();
      socket.resume();
      // The server's bytes that came with the proxy's answer go first (the socket reads later).
      if (answer.rest.length > 0) this.onData(answer.rest);
      return;
    }
    if (answer.rest.length > 0) {
      // A TLS server does not speak first: these bytes can only be the proxy's.
      const problem = `sent ${answer.rest.length} bytes after its answer, before the TLS handshake`;
      return this.onError(this.proxyFailure(problem, answer.status));
    }
    // The raw socket is the TLS socket's now (destroying that one destroys it too): our listeners
    // move there; Node's own stay.
    socket.removeListener("error", onSocketError);
    socket.removeListener("close", onSocketClose);
    socket.on("error", () => {});
    socket[stageOfSocket] = undefined;
    const secure: StagedSocket = this.startTls(tlsOptions, { socket });
    this.socket = secure;
    secure.setNoDelay(true);
    secure.once("secureConnect", onSocketConnect);
    this.listen(secure);
  }

  /** Runs over a socket that is already connected (a server's accepted connection). */
  private adopt(socket: net.Socket, head: Uint8Array): void {
    this.socket = socket;
    socket.setNoDelay(true);
    if (head.length > 0) this.readQueue = [head];
    this.listen(socket);
    this.onConnect();
    socket.resume();
  }

  /**
   * `readsWithOnread`: the socket was made with the `onread` option, so no 'data' events come.
   * `withEndings`: listen for errors and the close too (false: a tunnel's socket, which has them).
   */
  private listen(socket: StagedSocket, readsWithOnread = false, withEndings = true): void {
    socket[stageOfSocket] = this;
    if (!readsWithOnread) socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    socket.on("drain", onSocketDrain);
    if (!withEndings) return;
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
  }

  protected override onTimer(): void {
    this.onError(
      new ConnectTimeoutError(
        this.host,
        this.port,
        this.options?.connectingTimeout ?? DEFAULT_CONNECTING_TIMEOUT,
      ),
    );
  }

  override postStop(): void {
    this.signal?.removeEventListener("abort", this);
    if (this.connecting !== undefined) {
      this.connecting.connected.reject(
        new ConnectionError(this.host, this.port, "the stream stopped before connecting"),
      );
      this.connecting = undefined;
    }
    const socket = this.socket;
    if (socket) {
      socket[stageOfSocket] = undefined;
      socket.removeAllListeners();
      // Late errors from a destroyed socket must not become uncaught exceptions.
      socket.on("error", () => {});
      socket.destroy();
    }
  }

  private write(chunk: Uint8Array): void {
    const socket = this.socket!;
    // A lone write goes out now: corking it would only delay it (to the end of the tick, or of the
    // read's delivery: ~1 µs of a round trip) and route it through writev. Writes after it in the same
    // tick are corked, and sent at the end of the read's delivery if a read caused them.
    // Where reads cause several writes each (answers to the messages in them, under load), the last
    // read did too: all of this read's writes are corked until it is delivered, one syscall for all.
    const causedByRead = this.deliveryWrites >= 0;
    if (causedByRead) this.deliveryWrites++;
    if (causedByRead && this.lastDeliveryWrites > 1) {
      if (this.writeState === IDLE) process.nextTick(endOfTick, this, socket);
      if (this.writeState !== CORKED) {
        this.writeState = CORKED;
        socket.cork();
      }
    } else if (this.writeState === IDLE) {
      this.writeState = WROTE;
      process.nextTick(endOfTick, this, socket);
    } else if (this.writeState === WROTE) {
      this.writeState = CORKED;
      socket.cork();
    }
    // Lent bytes go back once written (or dropped by a destroyed socket, whose pending writes
    // are called back with an error): a closure per lent chunk, which are large.
    const lent = this.lent;
    const accepted =
      lent?.owns(chunk) === true ? socket.write(chunk, () => lent.release(chunk)) : socket.write(chunk);
    // Up to WRITE_AHEAD bytes may wait in the socket's buffer (more than Node's 16 KiB mark, so
    // that large frames keep the kernel busy while the next is built); beyond, the next pull waits
    // for 'drain'.
    if (accepted || socket.writableLength < WRITE_AHEAD) this.pull(this.in);
  }
}

/** Byte transports over TCP. */
export const Tcp = {
  /**
   * A connection to `host:port` (TLS with `options.tls`). Materializes a promise of the connection's
   * addresses that rejects with a {@link ConnectionError} (DNS, refused, TLS, time-out) or
   * {@link AbortedError}; the flow then fails with the same error.
   */
  outgoingConnection(
    host: string,
    port: number,
    options: OutgoingConnectionOptions = {},
  ): Flow<Uint8Array, Uint8Array, Promise<OutgoingConnection>> {
    if (options.proxy !== undefined) checkHttpProxy(options.proxy);
    if (
      options.socketPath !== undefined &&
      (typeof options.socketPath !== "string" || options.socketPath === "")
    )
      throw new InvalidArgumentError(
        `socketPath must be a non-empty string, got ${String(options.socketPath)}`,
      );
    if (options.socketPath !== undefined && options.proxy !== undefined)
      throw new InvalidArgumentError(
        "socketPath and proxy cannot be combined: the proxy is reached over TCP",
      );
    return Flow.fromStageMat(() => {
      const logic = new TcpConnectionLogic(host, port, options);
      return [logic, logic.connected] as const;
    });
  },

  /**
   * A byte flow over a socket that is already connected (e.g. one a server accepted), starting with
   * `head`, the bytes already read from it. Materializable once: the socket is consumed.
   */
  fromSocket(
    socket: net.Socket,
    head: Uint8Array = new Uint8Array(0),
  ): Flow<Uint8Array, Uint8Array, Promise<OutgoingConnection>> {
    return Flow.fromStageMat(() => {
      const logic = new TcpConnectionLogic(
        socket.remoteAddress ?? "",
        socket.remotePort ?? 0,
        new AcceptedSocket(socket, head),
      );
      return [logic, logic.connected] as const;
    });
  },
};

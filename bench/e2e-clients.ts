/**
 * The four clients of the end-to-end benchmark, doing the same work: wsflow through its public API
 * (`singleWebSocketRequest` with a Flow, as the README shows), `ws` (with bufferutil), undici's
 * WebSocket, and raw TCP with length-prefixed messages (the physical reference).
 */
import * as net from "node:net";
import { WebSocket as UndiciWebSocket } from "undici";
import WsWebSocket from "ws";
import {
  BinaryMessage,
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  type SourceQueue,
  TextMessage,
  type ValidUpgrade,
  WebSocketRequest,
} from "../src/index.js";

export type Kind = "text" | "binary";

export interface BenchClient {
  readonly name: string;
  /** Echo `count` messages with `inFlight` outstanding. */
  echo(url: string, size: number, kind: Kind, count: number, inFlight: number): Promise<void>;
  /**
   * The same echo of `texts` (taken in turn), offering permessage-deflate (absent: the client has
   * no compression). `compressSent` false: the client inflates what it receives but sends its
   * messages as they are, which is all undici can do.
   */
  echoDeflate?(
    url: string,
    texts: readonly string[],
    count: number,
    inFlight: number,
    compressSent: boolean,
  ): Promise<void>;
  /** Whether `echoDeflate` can compress what it sends (undici cannot). */
  readonly compressesSent?: boolean;
  /** Receive everything the blaster sends at `url`; resolves when it closes. */
  receive(url: string): Promise<void>;
  /** Send `count` messages of `size` bytes to the sink at `url`; resolves when it closes. */
  send(url: string, size: number, count: number): Promise<void>;
  /** Round trips with one message in flight; the times in µs. */
  rtt(url: string, size: number, count: number): Promise<number[]>;
  /** Connect, then close at once. */
  connectClose(url: string): Promise<void>;
  /** Opens a connection and keeps it idle; resolves with a function closing it. */
  openIdle(url: string): Promise<() => Promise<void>>;
}

const payload = (size: number, kind: Kind): string | Uint8Array =>
  kind === "text" ? "a".repeat(size) : new Uint8Array(size);

/**
 * `size` characters of JSON, the kind of text compression is for; each `variant` has other values
 * in the same structure, as the messages of a feed do. (The same message over and over would make
 * context takeover degenerate: every message one match against the one before.)
 */
export function jsonText(size: number, variant = 0): string {
  let text = "[";
  for (let i = 0; text.length < size; i++) {
    const id = i * 64 + variant;
    text += `{"id":${id},"name":"item ${(id * 7919) % 100003}","price":${(id * 37) % 1000}.${(id * 13) % 100},"tags":["a${id % 7}","b${id % 11}"],"ok":${id % 3 === 0}},`;
  }
  return text.slice(0, size);
}

const textsBySize = new Map<number, readonly string[]>();
/** 64 variants of {@link jsonText}, what the compressed echo sends in turn (made once per size, not timed). */
export function jsonTexts(size: number): readonly string[] {
  let texts = textsBySize.get(size);
  if (texts === undefined) {
    texts = Array.from({ length: 64 }, (_, variant) => jsonText(size, variant));
    textsBySize.set(size, texts);
  }
  return texts;
}

// ---- wsflow --------------------------------------------------------------------------------------

const http = Http.get();
const deflating = Http.create({ websocket: { perMessageDeflate: true } });
/** Compression negotiated, nothing sent compressed: what undici does. */
const inflatingOnly = Http.create({
  websocket: { perMessageDeflate: { threshold: Number.MAX_SAFE_INTEGER } },
});
const message = (data: string | Uint8Array): Message =>
  typeof data === "string" ? TextMessage.create(data) : BinaryMessage.create(data);

/** Consumes a message, streamed ones included (large messages arrive streamed). */
function consume(m: Message): void {
  if (m.isStrict()) return;
  // A streamed message is drained concurrently; the next one flows once it is done.
  if (m.isText()) m.asTextMessage().getStreamedText().runWith(Sink.ignore());
  else m.asBinaryMessage().getStreamedData().runWith(Sink.ignore());
}

/** Echo of `m` over `client`: `count` messages with `inFlight` outstanding. */
async function wsflowEcho(
  client: Http,
  url: string,
  messages: readonly Message[],
  count: number,
  inFlight: number,
): Promise<void> {
  let sent = 0;
  let received = 0;
  let queue: SourceQueue<Message> | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const sink = Sink.foreach<Message>(() => {
    if (++received === count) finish();
    else if (sent < count) {
      queue!.offer(messages[sent++ % messages.length]!);
    }
  });
  const [upgrade, q] = client.singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(sink, Source.queue<Message>(inFlight * 2, "backpressure"), Keep.right),
  );
  queue = q;
  for (; sent < Math.min(inFlight, count); sent++) q.offer(messages[sent % messages.length]!);
  await finished;
  q.complete();
  await ((await upgrade) as ValidUpgrade).closed;
}

export const wsflowClient: BenchClient = {
  name: "wsflow",
  compressesSent: true,
  echo(url, size, kind, count, inFlight) {
    return wsflowEcho(http, url, [message(payload(size, kind))], count, inFlight);
  },
  echoDeflate(url, texts, count, inFlight, compressSent) {
    return wsflowEcho(
      compressSent ? deflating : inflatingOnly,
      url,
      texts.map((t) => TextMessage.create(t)),
      count,
      inFlight,
    );
  },
  async receive(url) {
    const [, done] = http.singleWebSocketRequest(
      WebSocketRequest.create(url),
      Flow.fromSinkAndSourceMat(Sink.foreach<Message>(consume), Source.maybe<Message>(), Keep.left),
    );
    await done;
  },
  async send(url, size, count) {
    const m = message(new Uint8Array(size));
    const [, done] = http.singleWebSocketRequest(
      WebSocketRequest.create(url),
      Flow.fromSinkAndSourceMat(
        Sink.ignore<Message>(),
        Source.repeat(m).take(count).concat(Source.maybe<Message>()),
        Keep.left,
      ),
    );
    await done;
  },
  async rtt(url, size, count) {
    const m = message(payload(size, "text"));
    const times: number[] = [];
    let started = 0;
    let queue: SourceQueue<Message> | undefined;
    let finish!: () => void;
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const sink = Sink.foreach<Message>(() => {
      times.push((performance.now() - started) * 1000);
      if (times.length === count) return finish();
      started = performance.now();
      queue!.offer(m);
    });
    const [upgrade, q] = http.singleWebSocketRequest(
      WebSocketRequest.create(url),
      Flow.fromSinkAndSourceMat(sink, Source.queue<Message>(2, "backpressure"), Keep.right),
    );
    queue = q;
    await upgrade;
    started = performance.now();
    q.offer(m);
    await finished;
    q.complete();
    await ((await upgrade) as ValidUpgrade).closed;
    return times;
  },
  async connectClose(url) {
    const [upgrade, done] = http.singleWebSocketRequest(
      WebSocketRequest.create(url),
      Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.empty<Message>(), Keep.left),
    );
    await upgrade;
    await done;
  },
  async openIdle(url) {
    const [upgrade, handle] = http.singleWebSocketRequest(
      WebSocketRequest.create(url),
      Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.right),
    );
    const u = (await upgrade) as ValidUpgrade;
    return async () => {
      handle.complete(undefined);
      await u.closed;
    };
  },
};

// ---- ws and undici (the same WHATWG-like event API) --------------------------------------------------

interface EventSocket {
  send(data: string | Uint8Array): void;
  close(code?: number): void;
}

/**
 * permessage-deflate as a client offers it: not at all, for both directions, or negotiated with
 * nothing sent compressed (undici offers it always and compresses nothing; the plain echo server
 * declines every offer).
 */
type Deflate = "off" | "both" | "incoming";

function eventClient(
  name: string,
  open: (url: string, deflate: Deflate) => EventSocket,
  on: (ws: EventSocket, event: "open" | "message" | "close" | "error", fn: (arg?: unknown) => void) => void,
  compressesSent: boolean,
): BenchClient {
  const connect = (url: string, deflate: Deflate = "off") =>
    new Promise<EventSocket>((resolve, reject) => {
      const ws = open(url, deflate);
      on(ws, "open", () => resolve(ws));
      on(ws, "error", (e) => reject(e));
    });
  const closed = (ws: EventSocket) => new Promise<void>((resolve) => on(ws, "close", () => resolve()));
  const echo = async (
    url: string,
    data: readonly (string | Uint8Array)[],
    count: number,
    inFlight: number,
    deflate: Deflate,
  ) => {
    const ws = await connect(url, deflate);
    let sent = 0;
    let received = 0;
    const done = new Promise<void>((resolve) =>
      on(ws, "message", () => {
        if (++received === count) resolve();
        else if (sent < count) ws.send(data[sent++ % data.length]!);
      }),
    );
    for (; sent < Math.min(inFlight, count); sent++) ws.send(data[sent % data.length]!);
    await done;
    const c = closed(ws);
    ws.close(1000);
    await c;
  };
  return {
    name,
    compressesSent,
    echo: (url, size, kind, count, inFlight) => echo(url, [payload(size, kind)], count, inFlight, "off"),
    echoDeflate: (url, texts, count, inFlight, compressSent) => {
      if (compressSent && !compressesSent) throw new Error(`${name} sends nothing compressed`);
      return echo(url, texts, count, inFlight, compressSent ? "both" : "incoming");
    },
    async receive(url) {
      const ws = await connect(url);
      on(ws, "message", () => {});
      await closed(ws);
    },
    async send(url, size, count) {
      const ws = await connect(url);
      const c = closed(ws);
      const data = new Uint8Array(size);
      for (let i = 0; i < count; i++) ws.send(data);
      await c;
    },
    async rtt(url, size, count) {
      const ws = await connect(url);
      const data = payload(size, "text");
      const times: number[] = [];
      let started = performance.now();
      await new Promise<void>((resolve) => {
        on(ws, "message", () => {
          times.push((performance.now() - started) * 1000);
          if (times.length === count) return resolve();
          started = performance.now();
          ws.send(data);
        });
        ws.send(data);
      });
      const c = closed(ws);
      ws.close(1000);
      await c;
      return times;
    },
    async connectClose(url) {
      const ws = await connect(url);
      const c = closed(ws);
      ws.close(1000);
      await c;
    },
    async openIdle(url) {
      const ws = await connect(url);
      return async () => {
        const c = closed(ws);
        ws.close(1000);
        await c;
      };
    },
  };
}

export const wsClient = eventClient(
  "ws",
  (url, deflate) => {
    const ws = new WsWebSocket(url, { perMessageDeflate: deflate !== "off", maxPayload: 256 * 1024 * 1024 });
    if (deflate === "incoming") {
      // ws's threshold only applies without context takeover: `compress: false` is its way.
      const send = ws.send.bind(ws);
      ws.send = (data: Parameters<typeof send>[0]) => send(data, { compress: false });
    }
    return ws as unknown as EventSocket;
  },
  (ws, event, fn) => (ws as unknown as WsWebSocket).on(event, fn),
  true,
);

export const undiciClient = eventClient(
  "undici",
  (url) => {
    const ws = new UndiciWebSocket(url);
    ws.binaryType = "arraybuffer";
    return ws as unknown as EventSocket;
  },
  (ws, event, fn) => (ws as unknown as UndiciWebSocket).addEventListener(event, fn as () => void),
  false,
);

// ---- raw TCP, length-prefixed ---------------------------------------------------------------------------

function rawConnect(port: number, mode: number, a: number, b: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.setNoDelay(true);
      const hello = Buffer.alloc(9);
      hello[0] = mode;
      hello.writeUInt32BE(a, 1);
      hello.writeUInt32BE(b, 5);
      socket.write(hello);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Splits a byte stream into length-prefixed messages, counting them. */
function onMessages(socket: net.Socket, fn: () => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= 4) {
      const n = pending.readUInt32BE(at);
      if (pending.length - at < 4 + n) break;
      at += 4 + n;
      fn();
    }
    pending = pending.subarray(at);
  });
}

const frameRaw = (size: number) => {
  const b = Buffer.alloc(4 + size, 0x61);
  b.writeUInt32BE(size, 0);
  return b;
};

export function rawClient(port: number): BenchClient {
  return {
    name: "raw TCP",
    async echo(_url, size, _kind, count, inFlight) {
      const socket = await rawConnect(port, 1, 0, 0);
      const unit = frameRaw(size);
      let sent = 0;
      let received = 0;
      await new Promise<void>((resolve) => {
        onMessages(socket, () => {
          if (++received === count) resolve();
          else if (sent < count) {
            sent++;
            socket.write(unit);
          }
        });
        for (; sent < Math.min(inFlight, count); sent++) socket.write(unit);
      });
      socket.destroy();
    },
    async receive(url) {
      const q = new URL(url).searchParams;
      const socket = await rawConnect(port, 2, Number(q.get("size")), Number(q.get("count")));
      onMessages(socket, () => {});
      await new Promise((r) => socket.once("close", r));
    },
    async send(_url, size, count) {
      const total = (4 + size) * count;
      const socket = await rawConnect(port, 3, Math.floor(total / 0x1_0000_0000), total >>> 0);
      const unit = frameRaw(size);
      const closed = new Promise((r) => socket.once("close", r));
      socket.on("data", () => {});
      for (let i = 0; i < count; i++) socket.write(unit);
      await closed;
    },
    async rtt(_url, size, count) {
      const socket = await rawConnect(port, 1, 0, 0);
      const unit = frameRaw(size);
      const times: number[] = [];
      let started = performance.now();
      await new Promise<void>((resolve) => {
        onMessages(socket, () => {
          times.push((performance.now() - started) * 1000);
          if (times.length === count) return resolve();
          started = performance.now();
          socket.write(unit);
        });
        socket.write(unit);
      });
      socket.destroy();
      return times;
    },
    async connectClose() {
      const socket = await rawConnect(port, 1, 0, 0);
      const closed = new Promise((r) => socket.once("close", r));
      socket.end();
      await closed;
    },
    async openIdle() {
      const socket = await rawConnect(port, 1, 0, 0);
      return async () => {
        socket.destroy();
      };
    },
  };
}

/** The client named `name` ("wsflow", "ws", "undici" or "raw TCP", whose servers listen on `rawPort`). */
export function clientNamed(name: string | undefined, rawPort: number): BenchClient {
  const client = {
    wsflow: wsflowClient,
    ws: wsClient,
    undici: undiciClient,
    "raw TCP": rawClient(rawPort),
  }[name ?? ""];
  if (client === undefined) throw new Error(`unknown client ${name}`);
  return client;
}

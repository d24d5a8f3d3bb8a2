/**
 * One benchmark client in its own process (`node --expose-gc e2e-worker.js <client> <rawPort>`),
 * driven by e2e.ts over IPC. An application loads one WebSocket library, not four: in one shared
 * process the libraries would skew each other's results (Node's stream and event code, shared by
 * all, turns polymorphic; one client's garbage is collected during another's run). Each command
 * is timed here, wall and CPU, so IPC costs nothing measured.
 */
import { clientNamed, jsonTexts } from "./e2e-clients.js";
import { collectGarbage } from "./harness.js";

/** What e2e.ts asks for. */
export type WorkerCommand =
  | {
      readonly op: "warmup";
      readonly ports: { echo: number; echoDeflate: number; blaster: number; sink: number };
    }
  | {
      readonly op: "echo";
      readonly url: string;
      readonly size: number;
      readonly kind: "text" | "binary";
      readonly count: number;
      readonly inFlight: number;
    }
  | {
      readonly op: "echoDeflate";
      readonly url: string;
      /** Characters of JSON text per message. */
      readonly size: number;
      /** False: compression negotiated, the client's messages sent as they are (see `BenchClient`). */
      readonly compressSent: boolean;
      readonly count: number;
      readonly inFlight: number;
    }
  | { readonly op: "receive"; readonly url: string }
  | { readonly op: "send"; readonly url: string; readonly size: number; readonly count: number }
  | { readonly op: "rtt"; readonly url: string; readonly size: number; readonly count: number }
  | { readonly op: "connectSequential"; readonly url: string; readonly count: number }
  | {
      readonly op: "connectConcurrent";
      readonly url: string;
      readonly concurrent: number;
      readonly batches: number;
    };

/** The reply: wall and CPU seconds of the command, round-trip times for `rtt`. */
export interface WorkerReply {
  readonly id: number;
  readonly seconds?: number;
  readonly cpuSeconds?: number;
  readonly times?: number[];
  readonly error?: string;
}

const [name, rawPort] = process.argv.slice(2);
const client = clientNamed(name, Number(rawPort));
const RTT_UNRECORDED = 500;

async function run(command: WorkerCommand): Promise<number[] | undefined> {
  const c = client;
  switch (command.op) {
    case "warmup": {
      // Every measured path, unmeasured, so the JIT is not measured; latency paths need longer.
      // A fresh process: twice over, so the optimising compiler has seen every path. Each client
      // has several processes taken in turn by the rounds, so a path left out here would be
      // measured cold in most samples.
      const echo = `ws://127.0.0.1:${command.ports.echo}/`;
      const blast = (size: number, count: number) =>
        `ws://127.0.0.1:${command.ports.blaster}/blast?size=${size}&count=${count}&kind=binary`;
      const sink = (bytes: number) => `ws://127.0.0.1:${command.ports.sink}/sink?bytes=${bytes}`;
      for (let pass = 0; pass < 2; pass++) {
        for (const kind of ["text", "binary"] as const) {
          await c.echo(echo, 32, kind, 5000, 64);
          await c.echo(echo, 1024, kind, 5000, 64);
          await c.echo(echo, 64 * 1024, kind, 200, 64);
        }
        const echoDeflate = `ws://127.0.0.1:${command.ports.echoDeflate}/`;
        for (const compressSent of c.compressesSent ? [true, false] : [false]) {
          await c.echoDeflate?.(echoDeflate, jsonTexts(1024), 1000, 64, compressSent);
          await c.echoDeflate?.(echoDeflate, jsonTexts(16 * 1024), 200, 64, compressSent);
        }
        await c.receive(blast(32, 100_000));
        await c.receive(blast(65536, 200));
        await c.receive(blast(1024 * 1024, 20));
        await c.send(sink(32 * 20000), 32, 20000);
        await c.send(sink(65536 * 200), 65536, 200);
        await c.send(sink(16 * 1024 * 1024 * 2), 16 * 1024 * 1024, 2);
        await c.rtt(echo, 32, 5000);
        // Connects as measured (batches of 200 at once, as many as a measured job): with fewer, the
        // first measured jobs were still compiling (a function called once per connection needs
        // many connections to become hot; wsflow has more of them than ws).
        for (let i = 0; i < 500; i++) await c.connectClose(echo);
        for (let b = 0; b < 5; b++)
          await Promise.all(Array.from({ length: 200 }, () => c.connectClose(echo)));
      }
      return undefined;
    }
    case "echo":
      return void (await c.echo(command.url, command.size, command.kind, command.count, command.inFlight));
    case "echoDeflate": {
      const echoDeflate = client.echoDeflate;
      if (echoDeflate === undefined) throw new Error(`${name} has no permessage-deflate`);
      const texts = jsonTexts(command.size);
      return void (await echoDeflate(
        command.url,
        texts,
        command.count,
        command.inFlight,
        command.compressSent,
      ));
    }
    case "receive":
      return void (await c.receive(command.url));
    case "send":
      return void (await c.send(command.url, command.size, command.count));
    case "rtt":
      // Latency of an open connection: its first round trips (the connection's own start-up:
      // first buffers, first timers) are not recorded.
      return (await c.rtt(command.url, command.size, RTT_UNRECORDED + command.count)).slice(RTT_UNRECORDED);
    case "connectSequential":
      for (let i = 0; i < command.count; i++) await c.connectClose(command.url);
      return undefined;
    case "connectConcurrent":
      for (let b = 0; b < command.batches; b++) {
        await Promise.all(Array.from({ length: command.concurrent }, () => c.connectClose(command.url)));
      }
      return undefined;
  }
}

/** A command; the heap is collected before it (see `collectGarbage`). */
export interface WorkerMessage {
  readonly id: number;
  readonly command: WorkerCommand;
}

process.on("message", async (message: WorkerMessage) => {
  const { id, command } = message;
  try {
    collectGarbage();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const times = await run(command);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const reply: WorkerReply = {
      id,
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      ...(times ? { times } : {}),
    };
    process.send!(reply);
  } catch (error) {
    process.send!({ id, error: String((error as Error)?.stack ?? error) } satisfies WorkerReply);
  }
});
process.send!({ id: 0 } satisfies WorkerReply);

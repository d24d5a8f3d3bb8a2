/**
 * `npm run bench` (`-- --quick` for a short run, `-- --only connect` for the scenarios whose
 * group is named so: echo, receive, send, round trip, connect, idle): wsflow against ws (with bufferutil), undici's
 * WebSocket and raw TCP, end to end on 127.0.0.1. The servers run in one process and each client in
 * processes of its own (e2e-worker.ts), as in an application, one per round; this process only orders the runs: clients alternate A B C D over several rounds and
 * medians are reported, with the ratio to ws and to raw TCP. The "echo" group also echoes JSON with
 * permessage-deflate, compressed both ways (wsflow and ws) and incoming only (wsflow, ws and undici,
 * which compresses nothing it sends; raw TCP has no compression). Prints a markdown table and
 * writes JSON to bench/results/. A benchmark, not a test.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Kind } from "./e2e-clients.js";
import type { WorkerCommand, WorkerMessage, WorkerReply } from "./e2e-worker.js";
import { environment, median } from "./harness.js";

const quick = process.argv.includes("--quick");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt < 0 ? undefined : process.argv[onlyAt + 1];
/** Whether the scenario group `name` runs (all unless `--only` names another). */
const wanted = (name: string) => only === undefined || name.includes(only);
const rounds = quick ? 2 : 5;
const scale = quick ? 0.2 : 1;
const n = (count: number) => Math.max(1, Math.round(count * scale));

interface Result {
  scenario: string;
  unit: string;
  /** Higher is better unless `lowerIsBetter`. */
  lowerIsBetter: boolean;
  /** The medians. */
  values: Record<string, number>;
  /** Every round's figure, in round order (one process per round), to show the spread behind a median. */
  samples?: Record<string, number[]>;
}

const server = fork(join(import.meta.dirname, "e2e-servers.js"), [], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const ports = await new Promise<{
  echo: number;
  echoDeflate: number;
  blaster: number;
  sink: number;
  raw: number;
}>((resolve) => server.once("message", (m) => resolve((m as { ports: typeof ports }).ports)));

/** A client in its own process; `run` resolves with what the process measured. */
class ClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (reply: WorkerReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  static async start(name: string): Promise<ClientProcess> {
    const child = fork(join(import.meta.dirname, "e2e-worker.js"), [name, String(ports.raw)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const client = new ClientProcess(name, child);
    await new Promise<void>((resolve) => client.pending.set(0, () => resolve()));
    return client;
  }

  /** Runs `command` (the worker collects garbage first). */
  async run(
    command: WorkerCommand,
  ): Promise<Required<Pick<WorkerReply, "seconds" | "cpuSeconds">> & WorkerReply> {
    const id = this.nextId++;
    const reply = await new Promise<WorkerReply>((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, command } satisfies WorkerMessage);
    });
    if (reply.error !== undefined) throw new Error(`${this.name}: ${reply.error}`);
    return reply as Required<Pick<WorkerReply, "seconds" | "cpuSeconds">> & WorkerReply;
  }

  stop(): void {
    this.child.kill();
  }
}

/**
 * Processes per client, taken in turn by the rounds: one per round, so each sample of the median
 * comes from a process of its own. Identical processes of one client differ by up to ~1.6x on the
 * same receive run (which core the scheduler gives them next to the server, how their heap grew):
 * with one process per client that luck decided a whole row, and with three (two samples from
 * one process) it still swung the small-message receive row between 0.8x and 1.1x from run to run.
 */
const PROCESSES_PER_CLIENT = rounds;

/** One client library: its processes, one per round in turn. */
class Client {
  constructor(
    readonly name: string,
    private readonly processes: readonly ClientProcess[],
  ) {}
  static async start(name: string): Promise<Client> {
    const processes: ClientProcess[] = [];
    for (let i = 0; i < PROCESSES_PER_CLIENT; i++) processes.push(await ClientProcess.start(name));
    return new Client(name, processes);
  }
  /** The process that runs round `round`. */
  forRound(round: number): ClientProcess {
    return this.processes[round % this.processes.length]!;
  }
  /** Runs `command` in every process, one after the other. */
  async runEverywhere(command: WorkerCommand): Promise<void> {
    for (const worker of this.processes) await worker.run(command);
  }
  stop(): void {
    for (const worker of this.processes) worker.stop();
  }
}

const clients = await Promise.all(["wsflow", "ws", "undici", "raw TCP"].map((name) => Client.start(name)));
const results: Result[] = [];

// Warm-up: every process runs every path, unmeasured, so the JIT is not measured.
for (const c of clients) await c.runEverywhere({ op: "warmup", ports });

/** Runs `run` for every client over the rounds, alternating the order; returns the medians. */
async function measure(
  scenario: string,
  unit: string,
  run: (client: ClientProcess, measured: boolean) => Promise<number>,
  options: { lowerIsBetter?: boolean; clients?: readonly string[] } = {},
): Promise<void> {
  const samples = new Map<string, number[]>();
  const taking =
    options.clients === undefined ? clients : clients.filter((c) => options.clients!.includes(c.name));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? taking : [...taking].reverse();
    for (const client of order) {
      // The same job first, unmeasured: the process sat idle while the others ran, and an idle V8
      // shrinks its heap and lets code go cold (see docs/performance.md, "Warm samples").
      await run(client.forRound(r), false);
      const value = await run(client.forRound(r), true);
      samples.set(client.name, [...(samples.get(client.name) ?? []), value]);
    }
  }
  const values = Object.fromEntries([...samples].map(([name, s]) => [name, median(s)]));
  results.push({
    scenario,
    unit,
    lowerIsBetter: options.lowerIsBetter ?? false,
    values,
    samples: Object.fromEntries(samples),
  });
  process.stderr.write(`${scenario}: ${JSON.stringify(values)}\n`);
}

const echoUrl = `ws://127.0.0.1:${ports.echo}/`;

// Echo, 64 messages in flight. The 32 B rows are bounded by the echo server (one core, busy all the
// time whichever client it serves), so the client's own CPU per message is reported beside them.
const echoCpu: Record<string, Record<string, number[]>> = {};
for (const [size, count] of !wanted("echo")
  ? []
  : ([
      [32, 100_000],
      [1024, 50_000],
      [64 * 1024, 3_000],
    ] as const)) {
  for (const kind of ["text", "binary"] as Kind[]) {
    const total = n(count);
    await measure(`echo ${label(size)} ${kind}, 64 in flight`, "msgs/s", async (c, measured) => {
      const { seconds, cpuSeconds } = await c.run({
        op: "echo",
        url: echoUrl,
        size,
        kind,
        count: total,
        inFlight: 64,
      });
      if (measured && size === 32) ((echoCpu[kind] ??= {})[c.name] ??= []).push((cpuSeconds * 1e6) / total);
      return total / seconds;
    });
  }
}
for (const [kind, samples] of Object.entries(echoCpu)) {
  results.push({
    scenario: `echo 32 B ${kind}: client CPU per message`,
    unit: "µs",
    lowerIsBetter: true,
    values: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
    samples,
  });
}

// Echo of JSON text with permessage-deflate, against the same ws server with compression on (its
// defaults: it compresses its echoes with context takeover; every client here inflates with it).
// Two settings: "both ways", where the client compresses what it sends too (wsflow each message on
// its own, ws with context takeover), and "incoming only", where the client negotiates compression
// but sends its messages as they are. undici can only do the second (it compresses nothing it
// sends), so it is measured there, on the same work as the others. Raw TCP has no compression.
const deflateCpu: Record<string, Record<string, number[]>> = {};
for (const [size, count, compressSent] of !wanted("echo")
  ? []
  : ([
      [1024, 3_000, true],
      [16 * 1024, 1_000, true],
      [1024, 3_000, false],
      [16 * 1024, 1_000, false],
    ] as const)) {
  const total = n(count);
  const setting = compressSent ? "permessage-deflate both ways" : "permessage-deflate incoming only";
  await measure(
    `echo ${label(size)} JSON, ${setting}, 64 in flight`,
    "msgs/s",
    async (c, measured) => {
      const { seconds, cpuSeconds } = await c.run({
        op: "echoDeflate",
        url: `ws://127.0.0.1:${ports.echoDeflate}/`,
        size,
        compressSent,
        count: total,
        inFlight: 64,
      });
      if (measured)
        ((deflateCpu[`${label(size)} JSON, ${setting}`] ??= {})[c.name] ??= []).push(
          (cpuSeconds * 1e6) / total,
        );
      return total / seconds;
    },
    { clients: compressSent ? ["wsflow", "ws"] : ["wsflow", "ws", "undici"] },
  );
}
for (const [row, samples] of Object.entries(deflateCpu)) {
  results.push({
    scenario: `echo ${row}: client CPU per message`,
    unit: "µs",
    lowerIsBetter: true,
    values: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
    samples,
  });
}

// Receive from the blaster (the client's receive path alone); CPU per GB on the 64 KiB run.
const cpuPerGb: Record<string, number[]> = {};
for (const [size, count] of !wanted("receive")
  ? []
  : ([
      [32, 300_000],
      [64 * 1024, 4_000],
      [1024 * 1024, 300],
    ] as const)) {
  const total = n(count);
  const url = `ws://127.0.0.1:${ports.blaster}/blast?size=${size}&count=${total}&kind=binary`;
  await measure(`receive ${label(size)}`, "msgs/s", async (c, measured) => {
    const { seconds, cpuSeconds } = await c.run({ op: "receive", url });
    if (measured && size === 64 * 1024) (cpuPerGb[c.name] ??= []).push(cpuSeconds / ((size * total) / 1e9));
    return total / seconds;
  });
  const last = results.at(-1)!;
  results.push({
    scenario: `receive ${label(size)}`,
    unit: "MB/s",
    lowerIsBetter: false,
    values: Object.fromEntries(Object.entries(last.values).map(([k, v]) => [k, (v * size) / 1e6])),
    samples: Object.fromEntries(
      Object.entries(last.samples ?? {}).map(([k, v]) => [k, v.map((x) => (x * size) / 1e6)]),
    ),
  });
}
if (wanted("receive"))
  results.push({
    scenario: "receive 64 KiB: CPU seconds per GB",
    unit: "s/GB",
    lowerIsBetter: true,
    values: Object.fromEntries(Object.entries(cpuPerGb).map(([k, v]) => [k, median(v)])),
    samples: cpuPerGb,
  });

// Send into the sink (the client's send path alone).
for (const [size, count] of !wanted("send")
  ? []
  : ([
      [32, 200_000],
      [64 * 1024, 4_000],
      [16 * 1024 * 1024, 16],
    ] as const)) {
  const total = n(count);
  // Each message costs its payload plus at most 14 bytes of header (the raw reference: 4).
  const url = `ws://127.0.0.1:${ports.sink}/sink?bytes=${size * total}`;
  await measure(
    `send ${label(size)}`,
    "MB/s",
    async (c) => (size * total) / 1e6 / (await c.run({ op: "send", url, size, count: total })).seconds,
  );
}

// Round trip, one message in flight.
if (wanted("round trip")) {
  const count = n(5_000);
  const med = (m: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)]));
  const p50: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? clients : [...clients].reverse()) {
      const job = { op: "rtt", url: echoUrl, size: 32, count } as const;
      await c.forRound(r).run(job); // unmeasured first, as in `measure`
      const reply = await c.forRound(r).run(job);
      const times = reply.times!.sort((a, b) => a - b);
      (p50[c.name] ??= []).push(times[Math.floor(times.length * 0.5)]!);
      (p99[c.name] ??= []).push(times[Math.floor(times.length * 0.99)]!);
    }
  }
  for (const [label, values] of [
    ["p50", p50],
    ["p99", p99],
  ] as const) {
    results.push({
      scenario: `round trip 32 B, ${label}`,
      unit: "µs",
      lowerIsBetter: true,
      values: med(values),
      samples: values,
    });
  }
}

// Connect + close. The echo server works about as hard per connection as a client does (one core
// each, both near saturation with 200 at once), so the client's own CPU per connection is reported
// beside the rows, as for the echo of small messages.
if (wanted("connect")) {
  const connectCpu: Record<string, Record<string, number[]>> = {};
  const noteCpu = (row: string, name: string, cpuSeconds: number, connections: number) =>
    ((connectCpu[row] ??= {})[name] ??= []).push((cpuSeconds * 1e6) / connections);
  const sequential = n(2_000);
  await measure("connect+close, sequential", "conn/s", async (c, measured) => {
    const { seconds, cpuSeconds } = await c.run({ op: "connectSequential", url: echoUrl, count: sequential });
    if (measured) noteCpu("sequential", c.name, cpuSeconds, sequential);
    return sequential / seconds;
  });
  const concurrent = 200;
  // One batch takes 30-50 ms and varies 2x from batch to batch: a sample is many batches (with 5,
  // ~0.2 s, one round's ratio to ws spread 0.67-1.80x within a run).
  const batches = quick ? 4 : 20;
  await measure("connect+close, 200 concurrent", "conn/s", async (c, measured) => {
    const { seconds, cpuSeconds } = await c.run({
      op: "connectConcurrent",
      url: echoUrl,
      concurrent,
      batches,
    });
    if (measured) noteCpu("200 concurrent", c.name, cpuSeconds, batches * concurrent);
    return (batches * concurrent) / seconds;
  });
  for (const [row, samples] of Object.entries(connectCpu)) {
    results.push({
      scenario: `connect+close, ${row}: client CPU per connection`,
      unit: "µs",
      lowerIsBetter: true,
      values: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
      samples,
    });
  }
}

// Idle connections: memory per connection after GC, each client in a fresh process.
if (wanted("idle")) {
  const count = n(5_000);
  const rss: Record<string, number> = {};
  const heap: Record<string, number> = {};
  const rssByClient: Record<string, number[]> = {};
  const heapByClient: Record<string, number[]> = {};
  for (const c of clients) {
    const rssSamples: number[] = [];
    const heapSamples: number[] = [];
    for (let r = 0; r < Math.min(rounds, 3); r++) {
      const output = await new Promise<string>((resolve, reject) => {
        const child = fork(
          join(import.meta.dirname, "e2e-idle.js"),
          [c.name, String(count), echoUrl, String(ports.raw)],
          {
            execArgv: ["--expose-gc"],
            stdio: ["ignore", "pipe", "inherit", "ipc"],
          },
        );
        let text = "";
        child.stdout!.on("data", (d) => {
          text += d;
        });
        child.on("exit", (code) =>
          code === 0 ? resolve(text) : reject(new Error(`idle ${c.name} exited ${code}`)),
        );
      });
      const { rss: r1, heap: h1 } = JSON.parse(output) as { rss: number; heap: number };
      rssSamples.push(r1);
      heapSamples.push(h1);
    }
    rss[c.name] = median(rssSamples);
    heap[c.name] = median(heapSamples);
    rssByClient[c.name] = rssSamples;
    heapByClient[c.name] = heapSamples;
    process.stderr.write(
      `idle ${c.name}: ${rss[c.name]!.toFixed(1)} KiB RSS, ${heap[c.name]!.toFixed(1)} KiB heap per connection\n`,
    );
  }
  results.push({
    scenario: `${count} idle connections, RSS per connection`,
    unit: "KiB",
    lowerIsBetter: true,
    values: rss,
    samples: rssByClient,
  });
  results.push({
    scenario: `${count} idle connections, heap+external per connection`,
    unit: "KiB",
    lowerIsBetter: true,
    values: heap,
    samples: heapByClient,
  });
}

for (const c of clients) c.stop();
server.disconnect();
server.kill();

// ---- report ------------------------------------------------------------------------------------------

function label(size: number): string {
  return size >= 1024 * 1024
    ? `${size / 1024 / 1024} MiB`
    : size >= 1024
      ? `${size / 1024} KiB`
      : `${size} B`;
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return v >= 100 ? v.toFixed(0) : v.toFixed(2);
}

const require = createRequire(import.meta.url);
const versions = `ws ${require("ws/package.json").version} (bufferutil ${require("bufferutil/package.json").version}), undici ${require("undici/package.json").version}`;
const lines = [
  `# wsflow end-to-end benchmark${quick ? " (quick)" : ""}`,
  "",
  `${await environment()}; ${versions}; ${rounds} rounds, medians.`,
  "Ratios: wsflow / other for throughput; for latency, memory and CPU (lower is better) other / wsflow, so > 1.00x always means wsflow is ahead.",
  "",
  "The column \"vs ws, by round\" gives the lowest and highest ratio of one round's wsflow sample to the same round's ws sample: where it spans 1.00x, the row is within the machine's noise.",
  "",
  "| scenario | unit | wsflow | ws | undici | raw TCP | vs ws | vs ws, by round | vs undici | vs raw TCP |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
];
for (const r of results) {
  const v = r.values;
  const ratio = (other: string) => {
    const w = v.wsflow;
    const o = v[other];
    if (w === undefined || o === undefined || w === 0 || o === 0) return "–";
    return `${(r.lowerIsBetter ? o / w : w / o).toFixed(2)}x`;
  };
  const byRound = () => {
    const w = r.samples?.wsflow;
    const o = r.samples?.ws;
    if (w === undefined || o === undefined || w.length !== o.length || w.length === 0) return "–";
    const ratios = w.map((x, i) => (r.lowerIsBetter ? o[i]! / x : x / o[i]!)).sort((a, b) => a - b);
    return `${ratios[0]!.toFixed(2)}-${ratios.at(-1)!.toFixed(2)}x`;
  };
  lines.push(
    `| ${r.scenario} | ${r.unit} | ${fmt(v.wsflow)} | ${fmt(v.ws)} | ${fmt(v.undici)} | ${fmt(v["raw TCP"])} | ${ratio("ws")} | ${byRound()} | ${ratio("undici")} | ${ratio("raw TCP")} |`,
  );
}
console.log(lines.join("\n"));
const dir = join(import.meta.dirname, "..", "..", "bench", "results");
mkdirSync(dir, { recursive: true });
const suffix = `${quick ? "-quick" : ""}${only === undefined ? "" : `-only-${only.replace(/\W+/g, "-")}`}`;
const file = join(dir, `e2e-${new Date().toISOString().replace(/[:.]/g, "-")}${suffix}.json`);
writeFileSync(
  file,
  JSON.stringify({ environment: await environment(), versions, quick, only, rounds, results }, null, 2),
);
console.log(`\nJSON: ${file}`);

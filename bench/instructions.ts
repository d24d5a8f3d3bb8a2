/**
 * `npm run bench:instructions` (`-- --reps 3` for medians of three, `-- --clients wsflow,ws`):
 * CPU instructions per message and per connection, counted by valgrind's callgrind, for wsflow,
 * ws and undici doing the end-to-end benchmark's jobs against the same servers (e2e-servers.ts,
 * outside valgrind). A benchmark, not a test; it needs valgrind (`apt-get install valgrind`).
 *
 * Why: on the shared 2-core machines wall-clock rows swing 0.8-1.4x between runs, while an
 * instruction count hardly depends on what else the machine is doing. Each figure is the
 * difference between two runs of one client that differ only in the amount of work (e.g. 20,000
 * and 220,000 messages), divided by that difference: start-up, connecting and most of the JIT's
 * work cancel out. Counted: every instruction in user space, of every thread of the client's
 * process (the JIT's and the GC's threads too); not counted: the kernel (socket reads and writes
 * cost the same for every client). callgrind counts a `rep movsb` copy byte by byte, so rows
 * dominated by large copies (64 KiB) weigh copying more than a CPU does.
 */
import { execFileSync, fork, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { environment, median } from "./harness.js";

const argValue = (flag: string): string | undefined => {
  const at = process.argv.indexOf(flag);
  return at < 0 ? undefined : process.argv[at + 1];
};
const reps = Number(argValue("--reps") ?? 1);
const clients = (argValue("--clients") ?? "wsflow,ws,undici").split(",");

try {
  execFileSync("valgrind", ["--version"], { stdio: "ignore" });
} catch {
  console.error("bench:instructions needs valgrind (Debian: apt-get install valgrind).");
  process.exit(1);
}

const server = fork(join(import.meta.dirname, "e2e-servers.js"), [], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const ports = await new Promise<{ echo: number; blaster: number; sink: number; raw: number }>((resolve) =>
  server.once("message", (m) => resolve((m as { ports: typeof ports }).ports)),
);
const echoUrl = `ws://127.0.0.1:${ports.echo}/`;
const blast = (size: number, count: number) =>
  `ws://127.0.0.1:${ports.blaster}/blast?size=${size}&count=${count}&kind=binary`;

interface Scenario {
  readonly name: string;
  readonly unit: string;
  /** The client's job for `count` units (messages or connections). */
  readonly job: (count: number) => string[];
  /** The smaller and the larger amount; the figure is per unit of their difference. */
  readonly counts: readonly [number, number];
}

const scenarios: Scenario[] = [
  {
    name: "receive 32 B",
    unit: "instructions/msg",
    job: (count) => ["receive", blast(32, count)],
    counts: [20_000, 220_000],
  },
  {
    name: "receive 64 KiB",
    unit: "instructions/msg",
    job: (count) => ["receive", blast(65_536, count)],
    counts: [200, 2_200],
  },
  {
    name: "echo 32 B text, 64 in flight",
    unit: "instructions/msg",
    job: (count) => ["echo", echoUrl, "32", "text", String(count), "64"],
    counts: [50_000, 150_000],
  },
  {
    name: "round trip 32 B text, one in flight",
    unit: "instructions/msg",
    job: (count) => ["echo", echoUrl, "32", "text", String(count), "1"],
    counts: [20_000, 60_000],
  },
  {
    name: "connect+close, sequential",
    unit: "instructions/conn",
    job: (count) => ["connect", echoUrl, "", "", String(count)],
    counts: [1_000, 2_000],
  },
];

/** Instructions of one run of `client` doing `job`, counted by callgrind. */
function instructions(client: string, job: string[]): number {
  const run = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      "--callgrind-out-file=/dev/null",
      process.execPath,
      join(import.meta.dirname, "instructions-client.js"),
      client,
      String(ports.raw),
      ...job,
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const refs = /I\s+refs:\s+([\d,]+)/.exec(run.stderr);
  if (run.status !== 0 || refs === null) {
    throw new Error(`${client} ${job.join(" ")} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  }
  return Number(refs[1]!.replaceAll(",", ""));
}

interface Result {
  readonly scenario: string;
  readonly unit: string;
  /** Medians over the repetitions. */
  readonly values: Record<string, number>;
  readonly samples: Record<string, number[]>;
}

const results: Result[] = [];
for (const scenario of scenarios) {
  const samples: Record<string, number[]> = {};
  const [small, large] = scenario.counts;
  for (let rep = 0; rep < reps; rep++) {
    for (const client of rep % 2 === 0 ? clients : [...clients].reverse()) {
      const perUnit =
        (instructions(client, scenario.job(large)) - instructions(client, scenario.job(small))) /
        (large - small);
      (samples[client] ??= []).push(perUnit);
    }
  }
  const values = Object.fromEntries(Object.entries(samples).map(([c, s]) => [c, median(s)]));
  results.push({ scenario: scenario.name, unit: scenario.unit, values, samples });
  process.stderr.write(`${scenario.name}: ${JSON.stringify(samples)}\n`);
}
server.disconnect();
server.kill();

const fmt = (v: number | undefined) =>
  v === undefined ? "–" : v >= 1e5 ? `${(v / 1e3).toFixed(0)} k` : v.toFixed(0);
const others = clients.filter((c) => c !== "wsflow");
const lines = [
  "# wsflow: instructions per unit of work (callgrind)",
  "",
  `${await environment()}; ${reps} repetition(s), medians. Ratio: other / wsflow, so > 1.00x means wsflow needs fewer.`,
  "",
  `| scenario | unit | ${clients.join(" | ")} | ${others.map((o) => `vs ${o}`).join(" | ")} |`,
  `|---|---|${clients.map(() => "---:").join("|")}|${others.map(() => "---:").join("|")}|`,
];
for (const r of results) {
  const w = r.values.wsflow;
  const ratios = others.map((o) => {
    const v = r.values[o];
    return w === undefined || v === undefined ? "–" : `${(v / w).toFixed(2)}x`;
  });
  lines.push(
    `| ${r.scenario} | ${r.unit} | ${clients.map((c) => fmt(r.values[c])).join(" | ")} | ${ratios.join(" | ")} |`,
  );
}
console.log(lines.join("\n"));
const dir = join(import.meta.dirname, "..", "..", "bench", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `instructions-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify({ environment: await environment(), reps, results }, null, 2));
console.log(`\nJSON: ${file}`);

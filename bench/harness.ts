/**
 * A small benchmark harness: contenders of one row run alternately (A B A B …) for several
 * rounds and the median is reported, because these machines are noisy. Not a test.
 */

/** One contender of a row: `run` does `units` units of work (frames, elements) per call. */
export interface Contender {
  readonly name: string;
  readonly run: () => void;
}

/** A row: contenders doing the same work, and how much work one call is. */
export interface Row {
  readonly label: string;
  readonly unitsPerCall: number;
  readonly bytesPerCall?: number;
  readonly contenders: readonly Contender[];
}

/** Medians of one contender. */
export interface RowResult {
  readonly label: string;
  readonly results: { name: string; unitsPerSec: number; mbPerSec: number | undefined }[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A full, synchronous garbage collection between samples (with `--expose-gc`; else nothing), so one
 * sample's garbage is not collected during the next. Requested as `{ type: "major", execution:
 * "sync" }` on purpose: V8's bare `gc()` is a testing GC that also drops the optimised code and
 * type feedback built on classes with no live instance, so every sample after it measured the
 * JIT re-learning the client (a receive of 4,000 64 KiB messages took 0.47 s after a bare
 * `gc()` and 0.15 s after this one, for wsflow and ws alike; see docs/performance.md).
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: (options?: { type: string; execution: string }) => unknown }).gc;
  gc?.({ type: "major", execution: "sync" });
}

/** Calls `fn` until `minMs` elapsed; returns calls per second. */
function timeCalls(fn: () => void, minMs: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * 1000) / elapsed;
}

/** Runs a row: warm-up, then `rounds` alternating rounds. */
export function runRow(row: Row, options: { rounds?: number; minMs?: number } = {}): RowResult {
  const rounds = options.rounds ?? 7;
  const minMs = options.minMs ?? 150;
  for (const c of row.contenders) timeCalls(c.run, minMs / 2);
  const samples = row.contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? row.contenders.map((_, i) => i) : row.contenders.map((_, i) => i).reverse();
    for (const i of order) {
      collectGarbage();
      samples[i]!.push(timeCalls(row.contenders[i]!.run, minMs));
    }
  }
  return {
    label: row.label,
    results: row.contenders.map((c, i) => {
      const callsPerSec = median(samples[i]!);
      return {
        name: c.name,
        unitsPerSec: callsPerSec * row.unitsPerCall,
        mbPerSec: row.bytesPerCall === undefined ? undefined : (callsPerSec * row.bytesPerCall) / 1e6,
      };
    }),
  };
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}

/** A markdown table: each contender's figures and its ratio to the baseline (the last contender). */
export function table(results: readonly RowResult[], unit: string): string {
  const names = results[0]!.results.map((r) => r.name);
  const baseline = names.at(-1)!;
  const head = `| ${["row", ...names.map((n) => `${n} ${unit}/s (MB/s)`), ...names.slice(0, -1).map((n) => `${n} / ${baseline}`)].join(" | ")} |`;
  const rule = `|${head
    .split("|")
    .slice(1, -1)
    .map(() => "---")
    .join("|")}|`;
  const lines = results.map((row) => {
    const base = row.results.at(-1)!.unitsPerSec;
    const cells = row.results.map(
      (r) => `${fmt(r.unitsPerSec)}${r.mbPerSec === undefined ? "" : ` (${r.mbPerSec.toFixed(0)})`}`,
    );
    const ratios = row.results.slice(0, -1).map((r) => `${(r.unitsPerSec / base).toFixed(2)}x`);
    return `| ${[row.label, ...cells, ...ratios].join(" | ")} |`;
  });
  return [head, rule, ...lines].join("\n");
}

/** Node version and CPU model, for the record. */
export async function environment(): Promise<string> {
  const os = await import("node:os");
  return `Node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores), ${new Date().toISOString().slice(0, 10)}`;
}

/** An asynchronous contender: `run` resolves after doing `units` units of work. */
export interface AsyncContender {
  readonly name: string;
  readonly units: number;
  readonly run: () => Promise<void>;
}

/** Like {@link runRow} for asynchronous work where each contender may do a different amount per call. */
export async function runRowAsync(
  label: string,
  contenders: readonly AsyncContender[],
  options: { rounds?: number; minMs?: number } = {},
): Promise<RowResult> {
  const rounds = options.rounds ?? 7;
  const minMs = options.minMs ?? 300;
  const timeCallsAsync = async (c: AsyncContender, ms: number) => {
    let units = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      await c.run();
      units += c.units;
      elapsed = performance.now() - start;
    } while (elapsed < ms);
    return (units * 1000) / elapsed;
  };
  for (const c of contenders) await timeCallsAsync(c, minMs / 3);
  const samples = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      collectGarbage();
      samples[i]!.push(await timeCallsAsync(contenders[i]!, minMs));
    }
  }
  return {
    label,
    results: contenders.map((c, i) => ({
      name: c.name,
      unitsPerSec: median(samples[i]!),
      mbPerSec: undefined,
    })),
  };
}

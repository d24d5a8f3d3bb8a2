/**
 * `npm run bench:stream`: the stream engine against Node object-mode streams and WHATWG streams,
 * on the same pipelines, side by side in one run. Elements per second, medians, ratios.
 */
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Flow, LinearStageLogic, Sink, Source } from "../src/stream/index.js";
import { environment, type RowResult, runRowAsync, table } from "./harness.js";

const quick = process.argv.includes("--quick");
const opts = quick ? { rounds: 3, minMs: 150 } : { rounds: 7, minMs: 400 };

/** The stage functions of a pipeline of `n` stages between the source and the fold. */
function stagesOf(n: number): ((x: number) => number | undefined)[] {
  const out: ((x: number) => number | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    out.push(i % 2 === 0 ? (x) => x + 1 : (x) => (x % 7 === 0 ? undefined : x));
  }
  return out;
}

/** A custom stage applying `f` (undefined drops): what a stage costs when nothing is fused. */
class StepLogic extends LinearStageLogic<number, number> {
  constructor(private readonly f: (x: number) => number | undefined) {
    super();
  }
  onPush(): void {
    const y = this.f(this.grab(this.in));
    if (y === undefined) this.pull(this.in);
    else this.push(this.out, y);
  }
}

function wsflow(count: number, stages: number, fused = true): () => Promise<void> {
  return async () => {
    let source: Source<number, unknown> = Source.range(1, count);
    stagesOf(stages).forEach((f, i) => {
      if (!fused) source = source.via(Flow.fromStage(() => new StepLogic(f)));
      else if (i % 2 === 0) source = source.map(f as (x: number) => number);
      else source = source.filter((x) => f(x) !== undefined);
    });
    const n = await source.runWith(Sink.fold(0, (acc: number) => acc + 1));
    if (n === 0) throw new Error("no elements");
  };
}

function nodeStreams(count: number, stages: number): () => Promise<void> {
  return async () => {
    let i = 0;
    const source = new Readable({
      objectMode: true,
      read() {
        // Push in small batches until the buffer is full, as a real source would.
        while (i < count) if (!this.push(++i)) return;
        this.push(null);
      },
    });
    const transforms = stagesOf(stages).map(
      (f) =>
        new Transform({
          objectMode: true,
          transform(x: number, _enc, cb) {
            const y = f(x);
            cb(null, y === undefined ? undefined : y);
          },
        }),
    );
    let n = 0;
    const sink = new Writable({
      objectMode: true,
      write(_x: number, _enc, cb) {
        n++;
        cb();
      },
    });
    await pipeline([source, ...transforms, sink]);
    if (n === 0) throw new Error("no elements");
  };
}

function webStreams(count: number, stages: number): () => Promise<void> {
  return async () => {
    let i = 0;
    let readable: ReadableStream<number> = new ReadableStream<number>({
      pull(controller) {
        if (i < count) controller.enqueue(++i);
        else controller.close();
      },
    });
    for (const f of stagesOf(stages)) {
      readable = readable.pipeThrough(
        new TransformStream<number, number>({
          transform(x, controller) {
            const y = f(x);
            if (y !== undefined) controller.enqueue(y);
          },
        }),
      );
    }
    let n = 0;
    await readable.pipeTo(
      new WritableStream<number>({
        write() {
          n++;
        },
      }),
    );
    if (n === 0) throw new Error("no elements");
  };
}

/** A pipeline of `stages` stages: `stages - 1` transformations, then the fold. */
async function row(label: string, stages: number, fused = true): Promise<RowResult> {
  return runRowAsync(
    label,
    [
      { name: "wsflow", units: 1_000_000, run: wsflow(1_000_000, stages - 1, fused) },
      { name: "node object-mode", units: 100_000, run: nodeStreams(100_000, stages - 1) },
      { name: "WHATWG", units: 20_000, run: webStreams(20_000, stages - 1) },
    ],
    opts,
  );
}

console.log(`# wsflow stream engine benchmark\n\n${await environment()}\n`);
console.log("Elements per second through range → stages → fold, medians of alternating rounds.");
console.log(
  "Stages alternate map and filter (the filter drops one element in seven); the last stage folds (counts).",
);
console.log(
  "wsflow fuses consecutive map/filter/collect into one stage; the last row turns that off by using",
);
console.log("a custom stage per step, to show the interpreter's cost per stage.\n");
const results = [
  await row("3 stages (map, filter, fold)", 3),
  await row("10 stages", 10),
  await row("10 stages, unfused custom stages", 10, false),
];
const lines = table(results, "elements").split("\n");
console.log(lines.join("\n"));
for (const r of results) {
  const [w, n, x] = r.results.map((c) => c.unitsPerSec);
  console.log(
    `\n${r.label}: wsflow = ${(w! / n!).toFixed(1)}x node object-mode, ${(w! / x!).toFixed(0)}x WHATWG`,
  );
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AlreadyMaterializedError,
  BidiFlow,
  Flow,
  Keep,
  RunnableGraph,
  Sink,
  Source,
} from "../../src/stream/index.js";

describe("materialized values", () => {
  it("Keep.left, right, both, none", () => {
    const source = Source.single(1).mapMaterializedValue(() => "src");
    const sink = Sink.ignore<number>().mapMaterializedValue(() => "sink");
    assert.equal(source.toMat(sink, Keep.left).run(), "src");
    assert.equal(source.toMat(sink, Keep.right).run(), "sink");
    assert.deepEqual(source.toMat(sink, Keep.both).run(), ["src", "sink"]);
    assert.equal(source.toMat(sink, Keep.none).run(), undefined);
    assert.equal(source.to(sink).run(), "src");
  });

  it("viaMat and mapMaterializedValue", () => {
    const flow = Flow.create<number>().mapMaterializedValue(() => 7);
    const [left, right] = Source.single(1)
      .mapMaterializedValue(() => 6)
      .viaMat(flow, Keep.both)
      .to(Sink.ignore())
      .run();
    assert.deepEqual([left, right], [6, 7]);
    assert.equal(Source.single(1).via(flow).to(Sink.ignore()).run(), undefined);
  });

  it("a blueprint materializes independently each time", async () => {
    const graph = Source.queue<number>(4).toMat(Sink.seq(), Keep.both);
    const [q1, r1] = graph.run();
    const [q2, r2] = graph.run();
    await q1.offer(1);
    await q2.offer(2);
    q1.complete();
    q2.complete();
    assert.deepEqual([await r1, await r2], [[1], [2]]);
  });

  it("a blueprint that can run once fails its second materialization", () => {
    let runs = 0;
    const once = new RunnableGraph(() => {
      if (runs++ > 0) throw new AlreadyMaterializedError("this flow can be materialized only once");
      return "first";
    });
    assert.equal(once.run(), "first");
    assert.throws(() => once.run(), { code: "STREAM_ERR_ALREADY_MATERIALIZED" });
  });
});

describe("Flow", () => {
  it("create, fromFunction, to, toMat, runWith", async () => {
    const double = Flow.fromFunction((x: number) => x * 2);
    assert.deepEqual(await Source.range(1, 3).via(double).runWith(Sink.seq()), [2, 4, 6]);
    const sink = double.toMat(Sink.seq<number>(), Keep.right);
    assert.deepEqual(await Source.range(1, 2).runWith(sink), [2, 4]);
    const [m1, m2] = Flow.create<number>()
      .map((x) => x + 1)
      .runWith(Source.single(1), Sink.head());
    assert.equal(m1, undefined);
    assert.equal(await m2, 2);
  });

  it("fromSinkAndSourceMat: input to the sink, output from the source, independently", async () => {
    const [received, emitted] = Source.from(["in1", "in2"])
      .viaMat(Flow.fromSinkAndSourceMat(Sink.seq<string>(), Source.from(["out"]), Keep.left), Keep.right)
      .toMat(Sink.seq(), Keep.both)
      .run();
    assert.deepEqual(await received, ["in1", "in2"]);
    assert.deepEqual(await emitted, ["out"]);
  });

  it("join closes a loop of two flows", async () => {
    // A flow whose output is fed back: take the first 5 numbers going round, incrementing each turn.
    const [seen, done] = Flow.fromSinkAndSourceMat(Sink.seq<number>(), Source.single(0), Keep.left)
      .joinMat(
        Flow.create<number>().map((x) => x + 1),
        Keep.left,
      )
      .mapMaterializedValue((m) => [m, m] as const)
      .run();
    assert.deepEqual(await seen, [1]);
    assert.deepEqual(await done, [1]);
  });
});

describe("BidiFlow", () => {
  const codec = BidiFlow.fromFunctions(
    (s: string) => new TextEncoder().encode(s),
    (b: Uint8Array) => new TextDecoder().decode(b),
  );

  it("join with a transport gives a Flow", async () => {
    const echo = Flow.create<Uint8Array>();
    assert.deepEqual(await Source.from(["a", "b"]).via(codec.join(echo)).runWith(Sink.seq()), ["a", "b"]);
  });

  it("atop stacks layers, reversed swaps the sides", async () => {
    const framing = BidiFlow.fromFunctions(
      (b: Uint8Array) => Uint8Array.of(b.length, ...b),
      (b: Uint8Array) => b.subarray(1),
    );
    const stack = codec.atop(framing);
    const seenOnWire: number[][] = [];
    const wire = Flow.create<Uint8Array>().map((b) => {
      seenOnWire.push([...b]);
      return b;
    });
    assert.deepEqual(await Source.single("hi").via(stack.join(wire)).runWith(Sink.seq()), ["hi"]);
    assert.deepEqual(seenOnWire, [[2, 104, 105]]);
    const server = codec.reversed().join(Flow.fromFunction((s: string) => s.toUpperCase()));
    assert.deepEqual(
      await Source.single(new TextEncoder().encode("yo"))
        .via(server)
        .map((b) => new TextDecoder().decode(b))
        .runWith(Sink.seq()),
      ["YO"],
    );
  });

  it("fromFlowsMat, atopMat and joinMat combine materialized values", () => {
    const top = BidiFlow.fromFlowsMat(
      Flow.create<number>().mapMaterializedValue(() => "t1"),
      Flow.create<number>().mapMaterializedValue(() => "t2"),
      Keep.both,
    );
    const bottom = BidiFlow.fromFlows(Flow.create<number>(), Flow.create<number>()).mapMaterializedValue(
      () => "b",
    );
    const flow = top.atopMat(bottom, Keep.both).joinMat(
      Flow.create<number>().mapMaterializedValue(() => "j"),
      Keep.both,
    );
    const mat = Source.empty<number>().viaMat(flow, Keep.right).to(Sink.ignore()).run();
    assert.deepEqual(mat, [[["t1", "t2"], "b"], "j"]);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BidiFlow,
  Flow,
  Keep,
  RunnableGraph,
  Sink,
  Source,
  StreamArgumentError,
} from "../../src/stream/index.js";

/**
 * Arguments the types forbid, as JavaScript (or `any`) can pass them: each must throw
 * StreamArgumentError while the blueprint is built, naming the argument. Before these checks a
 * function of the wrong kind failed the stream only when an element reached it, and a Sink given
 * to `via` failed at materialization with a wiring error ("Outlet(out) … is not connected").
 */
// biome-ignore lint/suspicious/noExplicitAny: the point is to get past the types
const loose = (value: unknown): any => value;
const source = () => Source.single(1);
const flow = () => Flow.create<number>();
const sink = () => Sink.ignore<number>();

const cases: [string, () => unknown, RegExp][] = [
  ["map", () => source().map(loose("x")), /^map's f must be a function, got the string "x"$/],
  ["map (a Flow)", () => flow().map(loose(undefined)), /^map's f must be a function, got undefined$/],
  ["filter", () => source().filter(loose(1)), /^filter's predicate must be a function, got 1$/],
  ["collect", () => source().collect(loose({})), /^collect's f must be a function, got a plain object$/],
  ["mapAsync", () => source().mapAsync(1, loose(null)), /^mapAsync's f must be a function, got null$/],
  ["mapAsyncUnordered", () => source().mapAsyncUnordered(2, loose(2)), /^mapAsyncUnordered's f/],
  ["mapConcat", () => source().mapConcat(loose([1])), /^mapConcat's f must be a function, got an Array$/],
  ["takeWhile", () => source().takeWhile(loose(true)), /^takeWhile's predicate/],
  ["dropWhile", () => source().dropWhile(loose(true)), /^dropWhile's predicate/],
  ["scan", () => source().scan(0, loose("+")), /^scan's f/],
  ["fold", () => source().fold(0, loose("+")), /^fold's f/],
  ["recover", () => source().recover(loose(1)), /^recover's f/],
  ["log", () => source().log("x", loose("console")), /^log's logger/],
  [
    "buffer",
    () => source().buffer(4, loose("dropOldest")),
    /^overflowStrategy must be one of .*got the string "dropOldest"$/,
  ],
  ["Source.queue", () => Source.queue(4, loose("drop")), /^overflowStrategy must be one of/],
  ["via", () => source().via(loose(sink())), /^via's flow must be a Flow, got a Sink$/],
  ["viaMat", () => source().viaMat(flow(), loose("left")), /^viaMat's combine must be a function/],
  ["alsoTo", () => source().alsoTo(loose(flow())), /^alsoTo's sink must be a Sink, got a Flow$/],
  ["merge", () => source().merge(loose([1, 2])), /^merge's other must be a Source, got an Array$/],
  ["concat", () => source().concat(loose(flow())), /^concat's other must be a Source, got a Flow$/],
  ["concatMat", () => source().concatMat(source(), loose(undefined)), /^concatMat's combine/],
  ["watchTerminationMat", () => source().watchTerminationMat(loose(0)), /^watchTerminationMat's combine/],
  ["Source.to", () => source().to(loose(flow())), /^to's sink must be a Sink, got a Flow$/],
  ["Source.toMat", () => source().toMat(sink(), loose("right")), /^toMat's combine/],
  [
    "Source.runWith",
    () => source().runWith(loose(source())),
    /^runWith's sink must be a Sink, got a Source$/,
  ],
  ["Source.from", () => Source.from(loose(5)), /^Source\.from needs an iterable, got 5$/],
  ["Source.fromPromise", () => Source.fromPromise(loose(5)), /^Source\.fromPromise's promise\.then/],
  ["Source.fromAsyncIterable", () => Source.fromAsyncIterable(loose([1])), /^Source\.fromAsyncIterable's/],
  ["Source.fromReadableStream", () => Source.fromReadableStream(loose({})), /^Source\.fromReadableStream's/],
  ["Source.fromStage", () => Source.fromStage(loose({})), /^Source\.fromStage's create/],
  ["Source.mapMaterializedValue", () => source().mapMaterializedValue(loose(1)), /^mapMaterializedValue's f/],
  ["Flow.fromFunction", () => Flow.fromFunction(loose(1)), /^Flow\.fromFunction's f/],
  ["Flow.fromStage", () => Flow.fromStage(loose(1)), /^Flow\.fromStage's create/],
  [
    "Flow.fromSinkAndSource",
    () => Flow.fromSinkAndSource(loose(source()), loose(sink())),
    /^fromSinkAndSource's sink must be a Sink, got a Source$/,
  ],
  [
    "Flow.fromSinkAndSourceMat",
    () => Flow.fromSinkAndSourceMat(sink(), loose(sink()), Keep.both),
    /^fromSinkAndSource's source must be a Source, got a Sink$/,
  ],
  ["Flow.to", () => flow().to(loose(flow())), /^toMat's sink must be a Sink, got a Flow$/],
  ["Flow.join", () => flow().join(loose(sink())), /^joinMat's other must be a Flow, got a Sink$/],
  ["Flow.joinMat", () => flow().joinMat(flow(), loose(5)), /^joinMat's combine must be a function, got 5$/],
  ["Flow.runWith", () => flow().runWith(source(), loose(flow())), /^runWith's sink must be a Sink/],
  ["Flow.mapMaterializedValue", () => flow().mapMaterializedValue(loose(1)), /^mapMaterializedValue's f/],
  ["Sink.foreach", () => Sink.foreach(loose(5)), /^Sink\.foreach's f must be a function, got 5$/],
  [
    "Sink.foreachAsync",
    () => Sink.foreachAsync(1, loose(5)),
    /^Sink\.foreachAsync's f must be a function, got 5$/,
  ],
  ["Sink.fold", () => Sink.fold(0, loose(5)), /^Sink\.fold's f/],
  ["Sink.fromConsumer", () => Sink.fromConsumer(loose({})), /^Sink\.fromConsumer's createConsumer/],
  ["Sink.fromWritableStream", () => Sink.fromWritableStream(loose({})), /^Sink\.fromWritableStream's/],
  ["Sink.runWith", () => sink().runWith(loose(flow())), /^runWith's source must be a Source, got a Flow$/],
  ["Sink.mapMaterializedValue", () => sink().mapMaterializedValue(loose(1)), /^mapMaterializedValue's f/],
  [
    "BidiFlow.fromFlows",
    () => BidiFlow.fromFlows(flow(), loose(sink())),
    /^fromFlows's bottom must be a Flow, got a Sink$/,
  ],
  [
    "BidiFlow.fromFunctions",
    () => BidiFlow.fromFunctions(loose(1), (x: number) => x),
    /^Flow\.fromFunction's f/,
  ],
  [
    "BidiFlow.atop",
    () => BidiFlow.fromFlows(flow(), flow()).atop(loose(flow())),
    /^atop's below must be a BidiFlow, got a Flow$/,
  ],
  [
    "BidiFlow.join",
    () => BidiFlow.fromFlows(flow(), flow()).join(loose(sink())),
    /^join's flow must be a Flow/,
  ],
  ["BidiFlow.fromStageMat", () => BidiFlow.fromStageMat(loose(null)), /^BidiFlow\.fromStageMat's create/],
  [
    "RunnableGraph.mapMaterializedValue",
    () => source().to(sink()).mapMaterializedValue(loose(1)),
    /^mapMaterializedValue's f/,
  ],
];

describe("DSL arguments of the wrong kind throw StreamArgumentError when the blueprint is built", () => {
  for (const [name, call, pattern] of cases) {
    it(name, () => {
      assert.throws(call, (error: unknown) => {
        assert.ok(error instanceof StreamArgumentError, `not a StreamArgumentError: ${String(error)}`);
        assert.equal(error.code, "STREAM_ERR_INVALID_ARGUMENT");
        assert.match(error.message, pattern);
        return true;
      });
    });
  }

  it("the valid forms still build and run", async () => {
    const [done, sum] = Source.from([1, 2, 3])
      .via(Flow.fromFunction((x: number) => x * 2))
      .buffer(2, "backpressure")
      .alsoToMat(Sink.ignore(), Keep.right)
      .toMat(
        Sink.fold(0, (a: number, b: number) => a + b),
        Keep.both,
      )
      .run();
    await done;
    assert.equal(await sum, 12);
    assert.ok(source().to(sink()) instanceof RunnableGraph);
  });
});

/**
 * The stream layer: an Akka-Streams-style DSL on a fused, synchronous push/pull interpreter.
 * Imports nothing from the rest of wsflow (nor from Node).
 */
export { BidiFlow } from "./bidi-flow.js";
export { type Deferred, deferred } from "./deferred.js";
export { Flow } from "./flow.js";
export { FlowOps, type Repr } from "./flow-ops.js";
export { GraphStageLogic } from "./graph-stage-logic.js";
export { Keep, type NotUsed } from "./keep.js";
export { InPortHandler, OutPortHandler } from "./port-handlers.js";
export { type InHandler, Inlet, type OutHandler, Outlet } from "./ports.js";
export { RunnableGraph } from "./runnable-graph.js";
export { Sink } from "./sink.js";
export { Source } from "./source.js";
export {
  type BidiLogic,
  type FlowLogic,
  LinearStageLogic,
  type SinkLogic,
  SinkStageLogic,
  type SourceLogic,
  SourceStageLogic,
} from "./stage-shapes.js";
export type { OverflowStrategy } from "./stages/buffer.js";
export type { LogSink } from "./stages/map-stages.js";
export type { SinkQueue } from "./stages/sink-queue.js";
export type { Consumer } from "./stages/sinks.js";
export type { QueueOfferResult, SourceQueue } from "./stages/source-queue.js";
export type { Cancellable, MaybeHandle } from "./stages/sources.js";
export * from "./stream-errors.js";

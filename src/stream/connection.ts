/**
 * The wire between an outlet and an inlet, carrying at most one element and the demand for it.
 * State is kept here, not in the stages, so `isAvailable`/`hasBeenPulled` are field reads.
 */
import type { Inlet, Outlet } from "./ports.js";

export class Connection {
  /** Downstream asked for an element and has not received it yet. */
  pulled = false;
  /** An element was pushed and its onPush not delivered yet. */
  pushed = false;
  /** An element was delivered (onPush) and not grabbed yet. */
  available = false;
  /** The element in flight. */
  element: unknown = undefined;
  /** Upstream completed or failed (the completion may not have been delivered yet). */
  outClosed = false;
  /** Downstream cancelled. */
  inClosed = false;
  /** The downstream side has been told of the completion or failure. */
  finishDelivered = false;
  /** Why upstream failed. */
  failure: unknown = undefined;
  /** Why downstream cancelled (undefined for a plain cancel). */
  cancelCause: unknown = undefined;

  constructor(
    readonly from: Outlet<unknown>,
    readonly to: Inlet<unknown>,
  ) {}
}

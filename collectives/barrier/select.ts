/**
 * `barrier`: the selector. On a communicator that spans every rank of a
 * job whose backend has shared-memory slots, `slots` (one shared round);
 * on a backend with collectives of its own (MPI), `native` (one small
 * allreduce of the library's, which also detects mismatched collectives);
 * otherwise `dissemination` (⌈log2 p⌉ rounds of messages). Forced by
 * `SPMD_COLL_BARRIER` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, lastRun, ran } from "../_forced.ts";
import { barrierDissemination } from "./dissemination.ts";
import { barrierSlots, barrierSlotsQuick } from "./slots.ts";
import { barrierNative } from "./native.ts";

const forced = forcedBy("barrier", ["dissemination", "native", "slots"]);

/** Blocks until every rank of the communicator has entered the barrier. */
export function barrier(c: Coll): void {
  const force = forced(c.call);
  if (c.slots !== null && force !== "dissemination") {
    ran(c, "barrier", "slots");
    return barrierSlots(c, c.slots);
  }
  if (c.native !== null && c.size > 1 && force !== "dissemination") {
    ran(c, "barrier", "native");
    return barrierNative(c, c.native);
  }
  ran(c, "barrier", "dissemination");
  barrierDissemination(c);
}

/**
 * The barrier on the slots before the call is recorded (recorded only if
 * this rank must wait): true when done; false, having done nothing, when
 * the communicator has no slots, the job is traced or another algorithm is
 * forced.
 */
export function barrierQuick(c: Coll): boolean {
  const s = c.slots;
  if (s === null || c.trace !== null) return false;
  const force = forced(c.call);
  if (force !== null && force !== "slots") return false;
  barrierSlotsQuick(c, s);
  if (lastRun.barrier !== "slots") lastRun.barrier = "slots";
  return true;
}

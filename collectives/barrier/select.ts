/**
 * `barrier`: the selector. On a communicator that spans every rank of a
 * job whose backend has shared-memory slots, `slots` (one shared round);
 * otherwise `dissemination` (⌈log2 p⌉ rounds of messages). Forced by
 * `SPMD_COLL_BARRIER` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import { barrierDissemination } from "./dissemination.ts";
import { barrierSlots } from "./slots.ts";

const forced = forcedBy("barrier", ["dissemination", "slots"]);

/** Blocks until every rank of the communicator has entered the barrier. */
export function barrier(c: Coll): void {
  const force = forced(c.call);
  if (c.slots !== null && force !== "dissemination") {
    lastRun.barrier = "slots";
    return barrierSlots(c, c.slots);
  }
  lastRun.barrier = "dissemination";
  barrierDissemination(c);
}

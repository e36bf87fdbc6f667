/**
 * Barrier on the shared-memory slots (transport/slots.ts): each rank
 * publishes the round number in its own slot and waits until every rank
 * has published it. One write and p − 1 reads per rank, no message; for
 * communicators that span every rank of the job.
 *
 * @module
 */

import { callCode } from "../../transport/calls.ts";
import type { Slots } from "../../transport/slots.ts";
import type { Coll } from "../_coll.ts";
import { allAgree, endUnrecorded, slotsFail } from "../_slots.ts";

const C_BARRIER = callCode("barrier");

/** Blocks until every rank has entered the barrier. */
export function barrierSlots(c: Coll, s: Slots): void {
  s.begin();
  s.publish(c.context, C_BARRIER, 0, 0, 0, 0);
  s.sync();
  if (!allAgree(c, s)) slotsFail(c, s, undefined, null, null, false);
}

/** {@linkcode barrierSlots} begun before the call is recorded: recorded only if this rank must wait (or fail). */
export function barrierSlotsQuick(c: Coll, s: Slots): void {
  s.begin();
  s.publish(c.context, C_BARRIER, 0, 0, 0, 0);
  endUnrecorded(c, s, undefined, null, false);
}

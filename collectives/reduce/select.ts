/**
 * `reduce`: the selector. On a communicator that spans every rank of a job
 * whose backend has shared slots, numbers and typed arrays up to a slot with
 * a built-in op are reduced in one round (`allreduce/slots.ts`: every rank
 * combines, the root keeps the result); anything else takes a slots round
 * of agreement first (so no rank runs ahead of the root call after call),
 * then `binomial` (a binomial tree, rooted at rank 0 for an op that is not
 * commutative). Forced by `SPMD_COLL_REDUCE` (see `../_forced.ts`):
 * `binomial` skips the slots round; `slots` is the automatic choice (and
 * `reduceInto`'s, in `reduce/slots.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import type { Op } from "../../ops.ts";
import { reduceBinomial } from "./binomial.ts";
import { allreduceSlots, NOT_IN_SLOT } from "../allreduce/slots.ts";

const forced = forcedBy("reduce", ["binomial", "slots"]);

/** Returns the reduction on `root`, null elsewhere. `bad` is this rank's own input error. */
export function reduce(c: Coll, value: unknown, op: Op, root: number, bad: Bad | null = null): unknown {
  const force = forced(c.call);
  if (c.slots !== null && c.size > 1 && (force === null || force === "slots")) {
    // One shared round (allreduce/slots.ts, every rank combining: small data) — or, for what a slot cannot carry,
    // the ranks' agreement, which also keeps senders from running ahead of the root call after call.
    const r = allreduceSlots(c, c.slots, value, op, bad, null, true, root);
    if (r !== NOT_IN_SLOT) {
      lastRun.reduce = "slots";
      return c.rank === root ? r : null;
    }
  }
  lastRun.reduce = "binomial";
  return reduceBinomial(c, value, op, root, bad);
}

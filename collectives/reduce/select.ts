/**
 * `reduce`: the selector. On a communicator that spans every rank of a job
 * whose backend has shared slots, numbers and typed arrays up to a slot with
 * a built-in op are reduced in one round (`allreduce/slots.ts`: every rank
 * combines, the root keeps the result); anything else takes a slots round
 * of agreement first (so no rank runs ahead of the root call after call),
 * then `binomial` (a binomial tree, rooted at rank 0 for an op that is not
 * commutative). On a backend with collectives of its own (MPI), a round
 * of agreement first, then the library's reduce for numbers and typed
 * arrays with a built-in op it has (`native.ts`), else `binomial`.
 * Forced by `SPMD_COLL_REDUCE` (see `../_forced.ts`):
 * `binomial` skips the slots round; `slots` is the automatic choice (and
 * `reduceInto`'s, in `reduce/slots.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { forcedBy, ran } from "../_forced.ts";
import type { Op } from "../../ops.ts";
import { reduceBinomial } from "./binomial.ts";
import { allreduceSlots, NOT_IN_SLOT } from "../allreduce/slots.ts";
import { reduceNative } from "./native.ts";
import { NOT_NATIVE, served } from "../_native.ts";

const forced = forcedBy("reduce", ["binomial", "native", "slots"]);

/** Returns the reduction on `root`, null elsewhere. `bad` is this rank's own input error. */
export function reduce(c: Coll, value: unknown, op: Op, root: number, bad: Bad | null = null): unknown {
  const force = served(c, forced(c.call));
  if (c.slots !== null && c.size > 1 && (force === null || force === "slots")) {
    // One shared round (allreduce/slots.ts, every rank combining: small data) — or, for what a slot cannot carry,
    // the ranks' agreement, which also keeps senders from running ahead of the root call after call.
    const r = allreduceSlots(c, c.slots, value, op, bad, null, true, root);
    if (r !== NOT_IN_SLOT) {
      ran(c, "reduce", "slots");
      return c.rank === root ? r : null;
    }
  }
  if (c.native !== null && c.size > 1 && (force === null || force === "native")) {
    // One round of agreement, then the library's own reduce where it applies (native.ts).
    const r = reduceNative(c, c.native, value, op, root, bad);
    if (r !== NOT_NATIVE) {
      ran(c, "reduce", "native");
      return r;
    }
  }
  ran(c, "reduce", "binomial");
  return reduceBinomial(c, value, op, root, bad);
}

/**
 * `reduce`: the selector. One algorithm, `binomial` (a binomial tree,
 * rooted at rank 0 for an op that is not commutative). Forced by
 * `SPMD_COLL_REDUCE` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import type { Op } from "../../ops.ts";
import { reduceBinomial } from "./binomial.ts";

const forced = forcedBy("reduce", ["binomial", "slots"]);

/** Returns the reduction on `root`, null elsewhere. `bad` is this rank's own input error. */
export function reduce(c: Coll, value: unknown, op: Op, root: number, bad: Bad | null = null): unknown {
  forced(c.call);
  lastRun.reduce = "binomial";
  return reduceBinomial(c, value, op, root, bad);
}

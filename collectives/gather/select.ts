/**
 * `gather`: the selector. One algorithm, `binomial`. Forced by
 * `SPMD_COLL_GATHER` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import { gatherBinomial } from "./binomial.ts";

const forced = forcedBy("gather", ["binomial", "native", "slots"]);

/** Returns the list of every rank's value on `root`, null elsewhere. */
export function gather(c: Coll, value: unknown, root: number): unknown[] | null {
  forced(c.call);
  lastRun.gather = "binomial";
  return gatherBinomial(c, value, root);
}

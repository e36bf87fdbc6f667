/**
 * `gather`: the selector. One algorithm, `binomial`. Forced by
 * `SPMD_COLL_GATHER` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, ran } from "../_forced.ts";
import { gatherBinomial } from "./binomial.ts";

const forced = forcedBy("gather", ["binomial", "native", "slots"]);

/** Returns the list of every rank's value on `root`, null elsewhere. */
export function gather(c: Coll, value: unknown, root: number): unknown[] | null {
  forced(c.call);
  ran(c, "gather", "binomial");
  return gatherBinomial(c, value, root);
}

/**
 * `alltoall`: the selector. One algorithm, `pairwise`. Forced by
 * `SPMD_COLL_ALLTOALL` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, ran } from "../_forced.ts";
import { alltoallPairwise } from "./pairwise.ts";

const forced = forcedBy("alltoall", ["native", "pairwise", "slots"]);

/** `values[j]` goes to rank j; returns what every rank sent to this one. */
export function alltoall(c: Coll, values: readonly unknown[]): unknown[] {
  forced(c.call);
  ran(c, "alltoall", "pairwise");
  return alltoallPairwise(c, values);
}

/**
 * `allgather`: the selector. `recursive_doubling` when p is a power of two
 * (log2 p rounds), else `ring` (p − 1 rounds). Forced by
 * `SPMD_COLL_ALLGATHER` (see `../_forced.ts`); `recursive_doubling` serves
 * only sizes that are powers of two.
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { forcedBy, ran } from "../_forced.ts";
import { allgatherRecursiveDoubling } from "./recursive_doubling.ts";
import { allgatherRing } from "./ring.ts";

const forced = forcedBy("allgather", ["native", "recursive_doubling", "ring", "slots"]);

/** Returns every rank's value, in rank order. */
export function allgather(c: Coll, value: unknown): unknown[] {
  if (forced(c.call) !== "ring" && (c.size & (c.size - 1)) === 0) {
    ran(c, "allgather", "recursive_doubling");
    return allgatherRecursiveDoubling(c, value);
  }
  ran(c, "allgather", "ring");
  return allgatherRing(c, value);
}

/**
 * `gatherv`: the selector. Every rank first learns every rank's block
 * length, type and counts (`../_agree.ts`), so arguments that do not fit
 * fail on every rank alike; then one algorithm, `linear`, moves the data.
 * Forced by `SPMD_COLL_GATHERV` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { agreeBlocks, checkBlocks } from "../_agree.ts";
import { forcedBy, ran } from "../_forced.ts";
import { gathervLinear } from "./linear.ts";

const forced = forcedBy("gatherv", ["linear"]);

/**
 * Returns the concatenation of every rank's block on `root`, null
 * elsewhere. `bad` is what is wrong with this rank's arguments, if anything
 * (every rank then throws).
 */
export function gatherv(
  c: Coll,
  array: ArrayBufferView,
  counts: readonly number[],
  root: number,
  bad: string | null = null,
): ArrayBufferView | null {
  forced(c.call);
  checkBlocks(c, agreeBlocks(c, array, counts, bad), counts);
  ran(c, "gatherv", "linear");
  return gathervLinear(c, array, counts, root);
}

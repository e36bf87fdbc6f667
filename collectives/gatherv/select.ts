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
 * Returns every rank's block on `root`, rank r's at `displs[r]` (packed
 * in rank order without displacements; gaps are zero), null elsewhere. `bad` is what is wrong with this rank's arguments, if anything
 * (every rank then throws).
 */
export function gatherv(
  c: Coll,
  array: ArrayBufferView,
  counts: readonly number[],
  root: number,
  bad: string | null = null,
  displs: readonly number[] | null = null,
): ArrayBufferView | null {
  forced(c.call);
  const blocks = agreeBlocks(c, array, counts, bad, displs);
  checkBlocks(c, blocks, counts);
  ran(c, "gatherv", "linear");
  return gathervLinear(c, array, counts, root, blocks[0][4]);
}

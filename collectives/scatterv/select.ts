/**
 * `scatterv`: the selector. Every rank first learns the root's array
 * length and type and every rank's counts (`../_agree.ts`), so arguments
 * that do not fit fail on every rank alike; then one algorithm, `linear`,
 * moves the data. Forced by `SPMD_COLL_SCATTERV` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { agreeBlocks, extentOf } from "../_agree.ts";
import { forcedBy, ran } from "../_forced.ts";
import { scattervLinear } from "./linear.ts";

const forced = forcedBy("scatterv", ["linear"]);

/**
 * Root passes the whole array, others null; returns this rank's block (a
 * new typed array), read at `displs[rank]` (packed without displacements). `bad`: what is wrong with the root's array, if
 * anything. Counts that differ between ranks fail on every rank.
 */
export function scatterv(
  c: Coll,
  array: ArrayBufferView | null,
  counts: readonly number[],
  root: number,
  bad: string | null = null,
  displs: readonly number[] | null = null,
): ArrayBufferView {
  forced(c.call);
  const blocks = agreeBlocks(c, c.rank === root ? array : null, counts, bad, displs);
  const [total, kind, , , at, given] = blocks[root];
  const need = extentOf(counts, at);
  if (!given && need !== total) {
    throw c.error(`counts add up to ${need} but the root's array has ${total} elements`, "MPI_ERR_COUNT");
  }
  if (need > total) {
    throw c.error(`displs and counts reach element ${need} but the root's array has ${total}`, "MPI_ERR_COUNT");
  }
  ran(c, "scatterv", "linear");
  return scattervLinear(c, array, counts, root, kind, at);
}

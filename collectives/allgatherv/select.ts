/**
 * `allgatherv`: the selector. Every rank first learns every rank's block
 * length, type and counts (`../_agree.ts`), so arguments that do not fit
 * fail on every rank alike; then one algorithm, `ring`, moves the data.
 * Forced by `SPMD_COLL_ALLGATHERV` (see `../_forced.ts`).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { agreeBlocks, checkBlocks } from "../_agree.ts";
import { forcedBy, ran } from "../_forced.ts";
import { allgathervRing } from "./ring.ts";

const forced = forcedBy("allgatherv", ["ring"]);

/** Returns every rank's block on every rank, at `displs` (packed without; `bad`: as for gatherv). */
export function allgatherv(
  c: Coll,
  array: ArrayBufferView,
  counts: readonly number[],
  bad: string | null = null,
  displs: readonly number[] | null = null,
): ArrayBufferView {
  forced(c.call);
  const blocks = agreeBlocks(c, array, counts, bad, displs);
  checkBlocks(c, blocks, counts);
  ran(c, "allgatherv", "ring");
  return allgathervRing(c, array, counts, blocks[0][4]);
}

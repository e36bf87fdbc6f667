/**
 * Reduce-scatter with unequal blocks (MPI_Reduce_scatter).
 *
 * Cost: that of `allreduce` on the whole array (recursive doubling or the
 * ring, log2 p or 2(p − 1) rounds), after which each rank keeps its block.
 *
 * @module
 */

import { offsetsOf } from "./_blocks.ts";
import type { Coll } from "./_coll.ts";
import { allreduce } from "./allreduce/mod.ts";
import type { NumericArray, Op } from "./ops.ts";

/** Element-wise reduction of every rank's array; returns this rank's block of counts[rank] elements. */
export function reduceScatter(c: Coll, array: NumericArray | number[], counts: readonly number[], op: Op): unknown {
  const off = offsetsOf(counts);
  const all = allreduce(c, array, op) as NumericArray | number[];
  return all.slice(off[c.rank], off[c.rank + 1]);
}

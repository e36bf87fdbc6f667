/**
 * Reduce-scatter with unequal blocks (MPI_Reduce_scatter) by an allreduce
 * of the whole array, of which each rank keeps its block.
 *
 * Cost: that of `allreduce` on the whole array (recursive doubling or the
 * ring, log2 p or 2(p − 1) rounds; chosen, and forced, as for allreduce)
 * after an exchange of headers by recursive doubling (log2 p rounds of a
 * few bytes) in which every rank checks that all passed the same counts,
 * length and type. Counts or arrays that disagree fail on every rank alike.
 *
 * @module
 */

import { offsetsOf } from "../_blocks.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { allreduce } from "../allreduce/select.ts";
import type { Op } from "../../ops.ts";
import type { NumericArray } from "../../transport/typed.ts";

/**
 * Element-wise reduction of every rank's array; returns this rank's block
 * of counts[rank] elements. `bad` is this rank's own argument error.
 * `agreeCounts` false: the counts follow from the arrays' length, which
 * the reduction checks anyway (reduceScatterBlock).
 */
export function reduceScatterAllreduce(
  c: Coll,
  array: NumericArray | number[],
  counts: readonly number[],
  op: Op,
  bad: Bad | null,
  agreeCounts = true,
): unknown {
  const all = allreduce(c, array, op, bad, bad === null && agreeCounts ? counts : null) as NumericArray | number[];
  const off = offsetsOf(counts);
  return all.slice(off[c.rank], off[c.rank + 1]);
}

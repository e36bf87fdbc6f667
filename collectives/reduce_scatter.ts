/**
 * Reduce-scatter with unequal blocks (MPI_Reduce_scatter).
 *
 * Cost: that of `allreduce` on the whole array (recursive doubling or the
 * ring, log2 p or 2(p − 1) rounds) after an exchange of headers by
 * recursive doubling (log2 p rounds of a few bytes) in which every rank
 * checks that all passed the same counts, length and type; then each rank
 * keeps its block. Counts or arrays that disagree fail on every rank alike.
 *
 * @module
 */

import { describe } from "../errors.ts";
import { offsetsOf } from "./_blocks.ts";
import type { Coll } from "./_coll.ts";
import type { Bad } from "./_fault.ts";
import { allreduce } from "./allreduce/mod.ts";
import { isNumericArray, misfit, type NumericArray, type Op, opMisfit } from "./ops.ts";
import { countsMisfit } from "./vector/_agree.ts";

/** Element-wise reduction of every rank's array; returns this rank's block of counts[rank] elements. */
export function reduceScatter(c: Coll, array: NumericArray | number[], counts: readonly number[], op: Op): unknown {
  const bad = reduceScatterMisfit(c.size, array, counts, op);
  const all = allreduce(c, array, op, bad, bad === null ? counts : null) as NumericArray | number[];
  const off = offsetsOf(counts);
  return all.slice(off[c.rank], off[c.rank + 1]);
}

/** What is wrong with this rank's arguments, or null. */
function reduceScatterMisfit(size: number, array: unknown, counts: readonly number[], op: Op): Bad | null {
  const countsBad = countsMisfit(counts, size);
  if (countsBad !== null) return { message: countsBad, code: "MPI_ERR_COUNT" };
  if (!(Array.isArray(array) || isNumericArray(array))) {
    return {
      message: `array must be a typed array or an array of numbers, got ${describe(array)}`,
      code: "MPI_ERR_BUFFER",
    };
  }
  const gone = misfit(op, array); // a detached array first: its length reads 0
  if (gone !== null && gone.code === "MPI_ERR_BUFFER") return gone;
  const total = counts.reduce((a, b) => a + b, 0);
  if (array.length !== total) {
    return { message: `array has ${array.length} elements but counts add up to ${total}`, code: "MPI_ERR_COUNT" };
  }
  const why = opMisfit(op, array);
  return why === null ? null : { message: why, code: "MPI_ERR_OP" };
}

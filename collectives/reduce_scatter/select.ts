/**
 * `reduceScatter`: the selector. Checks this rank's arguments (their
 * errors travel with the reduction, so every rank throws alike), then one
 * algorithm, `allreduce`. Forced by `SPMD_COLL_REDUCE_SCATTER` (see
 * `../_forced.ts`).
 *
 * @module
 */

import { describe } from "../../errors.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { countsMisfit } from "../_agree.ts";
import { forcedBy, lastRun } from "../_forced.ts";
import { misfit, type Op, opMisfit } from "../../ops.ts";
import { isNumericArray, type NumericArray } from "../../transport/typed.ts";
import { reduceScatterAllreduce } from "./allreduce.ts";

const forced = forcedBy("reduce_scatter", ["allreduce"]);

/** Element-wise reduction of every rank's array; returns this rank's block of counts[rank] elements. */
export function reduceScatter(c: Coll, array: NumericArray | number[], counts: readonly number[], op: Op): unknown {
  forced(c.call);
  const bad = reduceScatterMisfit(c.size, array, counts, op);
  lastRun.reduce_scatter = "allreduce";
  return reduceScatterAllreduce(c, array, counts, op, bad);
}

/**
 * Element-wise reduction of every rank's array (p blocks of equal size);
 * returns this rank's block. The reduction itself checks that every rank
 * passed the same type and length, so it may take any of allreduce's
 * algorithms.
 */
export function reduceScatterBlock(c: Coll, array: NumericArray | number[], op: Op): unknown {
  forced(c.call);
  const n = Array.isArray(array) || isNumericArray(array) ? array.length : 0;
  const counts = new Array<number>(c.size).fill(Math.floor(n / c.size));
  let bad = reduceScatterMisfit(c.size, array, counts, op);
  if (bad !== null && bad.code === "MPI_ERR_COUNT") {
    bad = { message: `array has ${n} elements, not a multiple of the ${c.size} ranks`, code: "MPI_ERR_COUNT" };
  }
  lastRun.reduce_scatter = "allreduce";
  return reduceScatterAllreduce(c, array, counts, op, bad, false);
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

/**
 * `allreduce`: chooses the algorithm. Typed arrays of at least
 * {@linkcode ALLREDUCE_LARGE_BYTES} with a commutative op use the ring
 * (reduce-scatter + allgather); everything else recursive doubling.
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import type { NumericArray, Op } from "../ops.ts";
import { allreduceRecursiveDoubling } from "./recursive_doubling.ts";
import { allreduceRing } from "./ring.ts";

/** Typed arrays at least this large (with a commutative op) use the ring. */
export const ALLREDUCE_LARGE_BYTES = 64 * 1024;

/** Returns the reduction on every rank. */
export function allreduce(c: Coll, value: unknown, op: Op): unknown {
  if (
    c.size > 1 && op.commutative && ArrayBuffer.isView(value) && !(value instanceof DataView) &&
    value.byteLength >= ALLREDUCE_LARGE_BYTES && (value as NumericArray).length >= c.size
  ) {
    return allreduceRing(c, value as NumericArray, op);
  }
  return allreduceRecursiveDoubling(c, value, op);
}

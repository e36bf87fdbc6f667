/**
 * Inclusive and exclusive prefix reductions by recursive doubling.
 *
 * Cost: ⌈log2 p⌉ rounds. Each rank keeps `partial`, the reduction of a
 * contiguous range of ranks ending or starting at itself, and exchanges it
 * with rank ^ 2^k; a value from a lower rank is combined on the left, so
 * ops that are not commutative are applied in rank order.
 *
 * @module
 */

import { type Coll, copyValue, T_SCAN } from "../_coll.ts";
import { combine, type Op } from "../ops.ts";

/** Inclusive (`exclusive` false) or exclusive prefix reduction; exclusive gives null on rank 0. */
export function scanRecursiveDoubling(c: Coll, value: unknown, op: Op, exclusive: boolean): unknown {
  const { rank, size } = c;
  let partial = value;
  let result: unknown = exclusive ? undefined : value;
  let have = !exclusive;
  for (let mask = 1; mask < size; mask <<= 1) {
    const partner = rank ^ mask;
    if (partner >= size) continue;
    const other = c.sendrecv(partial, partner, partner, T_SCAN);
    if (partner < rank) {
      partial = combine(c.call, op, other, partial);
      result = have ? combine(c.call, op, other, result) : other;
      have = true;
    } else {
      partial = combine(c.call, op, partial, other);
    }
  }
  if (!have) return null;
  return result === value ? copyValue(result) : result;
}

/**
 * Allreduce by recursive doubling, for small messages.
 *
 * Cost: ⌈log2 p⌉ rounds of pairwise exchange of the whole message (+2
 * rounds when p is not a power of two). For p not a power of two, with
 * pof2 the largest power of two below p and rem = p − pof2, the first
 * 2·rem ranks pair up: even ranks hand their value to the odd neighbour and
 * wait; the remaining pof2 ranks exchange with partner newrank ^ 2^k, always
 * combining the lower ranks' partial result first (valid for ops that are
 * not commutative); at the end the odd ranks hand the result back.
 *
 * @module
 */

import { type Coll, copyTyped, copyValue, T_ALLREDUCE } from "../_coll.ts";
import { combine, combineInto, type NumericArray, type Op } from "../ops.ts";

/** Returns the reduction on every rank. */
export function allreduceRecursiveDoubling(c: Coll, value: unknown, op: Op): unknown {
  const { rank, size } = c;
  if (size === 1) return copyValue(value);
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  const rem = size - pof2;
  if (op.family !== "user" && ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return typedPath(c, value as NumericArray, op, pof2, rem);
  }
  let acc = value;
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      c.send(acc, rank + 1, T_ALLREDUCE);
      newrank = -1;
    } else {
      acc = combine(c.call, op, c.recv(rank - 1, T_ALLREDUCE), acc);
      newrank = rank >> 1;
    }
  } else newrank = rank - rem;
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      const other = c.sendrecv(acc, partner, partner, T_ALLREDUCE);
      acc = partner < rank ? combine(c.call, op, other, acc) : combine(c.call, op, acc, other);
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 1) c.send(acc, rank - 1, T_ALLREDUCE);
    else acc = c.recv(rank + 1, T_ALLREDUCE);
  }
  return acc === value ? copyValue(acc) : acc;
}

/**
 * The same exchange pattern for a typed array and a built-in (commutative)
 * op: one result array allocated per call, partners' data received into
 * scratch memory and accumulated in place.
 */
function typedPath(c: Coll, value: NumericArray, op: Op, pof2: number, rem: number): NumericArray {
  const { rank } = c;
  const acc = copyTyped(value);
  const tmp = c.scratch(acc, acc.length);
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      c.send(acc, rank + 1, T_ALLREDUCE);
      newrank = -1;
    } else {
      c.recvInto(tmp, rank - 1, T_ALLREDUCE);
      combineInto(c.call, op, acc, tmp);
      newrank = rank >> 1;
    }
  } else newrank = rank - rem;
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      c.send(acc, partner, T_ALLREDUCE);
      c.recvInto(tmp, partner, T_ALLREDUCE);
      combineInto(c.call, op, acc, tmp);
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 1) c.send(acc, rank - 1, T_ALLREDUCE);
    else c.recvInto(acc, rank + 1, T_ALLREDUCE);
  }
  return acc;
}

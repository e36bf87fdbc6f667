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
 * Disagreeing inputs (see `_fault.ts`): both ranks of an exchange see what
 * the other sent, and every rank of a group of 2^k holds the same partial
 * result, so a mismatch is found by a whole group at once, and its poison
 * markers reach every rank by the end.
 *
 * @module
 */

import { type NumericArray, typedKind } from "../../transport/typed.ts";
import { type Coll, copyTyped } from "../_coll.ts";
import { isAllreduceTag, T_ALLREDUCE_TYPED, T_POISON } from "../../transport/calls.ts";
import { type Fault, MARKER, unsendable } from "../_fault.ts";
import { combine, combineInto, type Op } from "../../ops.ts";

/** The largest power of two ≤ `size`. */
function pof2Of(size: number): number {
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  return pof2;
}

/**
 * The exchange pattern on any value (size > 1): `merge(lower, higher)`
 * combines two partial results (it may modify and return either: both are
 * owned here); null means `combine` with `op`. Sends `value` with `tag`; a
 * rank whose `f` has failed sends poison markers. Returns the result
 * (meaningless once `f` has failed).
 */
export function allreduceRecursiveDoubling(
  c: Coll,
  f: Fault,
  value: unknown,
  tag: number,
  merge: ((a: unknown, b: unknown) => unknown) | null,
  op: Op,
): unknown {
  const { rank, size } = c;
  const pof2 = pof2Of(size);
  const rem = size - pof2;
  let acc = value;
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      put(c, f, acc, rank + 1, tag, op);
      newrank = -1;
    } else {
      acc = take(c, f, acc, rank - 1, tag, merge, true, op);
      newrank = rank >> 1;
    }
  } else newrank = rank - rem;
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      put(c, f, acc, partner, tag, op);
      acc = take(c, f, acc, partner, tag, merge, partner < rank, op);
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 1) put(c, f, acc, rank - 1, tag, op);
    else {
      const got = c.recvAccepting(rank + 1, tag, isAllreduceTag);
      if (c.lastTag !== tag) f.failed = true;
      else if (!f.failed) acc = got;
    }
  }
  return acc;
}

function put(c: Coll, f: Fault, v: unknown, dest: number, tag: number, op: Op): void {
  if (!f.failed) {
    try {
      c.send(v, dest, tag);
      return;
    } catch (e) {
      if (!unsendable(e)) throw e;
      f.caught(c, op, e); // a value that cannot be sent (an op's result): the partner learns it from the marker
    }
  }
  c.send(MARKER, dest, T_POISON);
}

function take(
  c: Coll,
  f: Fault,
  acc: unknown,
  src: number,
  tag: number,
  merge: ((a: unknown, b: unknown) => unknown) | null,
  fromLower: boolean,
  op: Op,
): unknown {
  const got = c.recvAccepting(src, tag, isAllreduceTag);
  if (c.lastTag !== tag) {
    f.failed = true; // poison, or another kind of data
    return acc;
  }
  if (f.failed) return acc;
  try {
    const a = fromLower ? got : acc;
    const b = fromLower ? acc : got;
    return merge === null ? combine(c.call, op, a, b) : merge(a, b);
  } catch (e) {
    f.caught(c, op, e);
    return acc;
  }
}

/**
 * The same exchange pattern for a typed array and a built-in op (size > 1):
 * one result array allocated per call, partners' data received into
 * scratch memory and accumulated in place. The tag carries the array's
 * kind, and the byte count its length, so arrays that disagree are found
 * without another message (the receive takes whatever the partner sent
 * next: a probe first would cost every message a copy; so a message of
 * another collective is taken too, and throws as mismatched collectives).
 * Returns null when the inputs disagree (every rank then returns null).
 */
export function allreduceTyped(c: Coll, value: NumericArray, op: Op): NumericArray | null {
  const { rank, size } = c;
  const pof2 = pof2Of(size);
  const rem = size - pof2;
  const acc = copyTyped(value);
  const bytes = acc.byteLength;
  const tag = T_ALLREDUCE_TYPED + typedKind(acc);
  const tmp = c.scratch(acc, acc.length);
  let ok = true;
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      c.send(acc, rank + 1, tag);
      newrank = -1;
    } else {
      ok = arrived(c, c.recvIntoAny(tmp, rank - 1), rank - 1, bytes, tag);
      if (ok) combineInto(c.call, op, acc, tmp);
      newrank = rank >> 1;
    }
  } else newrank = rank - rem;
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      if (ok) c.send(acc, partner, tag);
      else c.send(MARKER, partner, T_POISON);
      if (arrived(c, c.recvIntoAny(tmp, partner), partner, bytes, tag)) {
        if (ok) combineInto(c.call, op, acc, tmp);
      } else ok = false;
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 1) {
      if (ok) c.send(acc, rank - 1, tag);
      else c.send(MARKER, rank - 1, T_POISON);
    } else if (!arrived(c, c.recvIntoAny(acc, rank + 1), rank + 1, bytes, tag)) ok = false;
  }
  return ok ? acc : null;
}

/** True when `got` bytes with `tag` is what this rank expected from `src`. */
function arrived(c: Coll, got: number, src: number, bytes: number, tag: number): boolean {
  if (got === bytes && c.lastTag === tag) return true;
  if (c.lastTag !== -1 && !isAllreduceTag(c.lastTag)) throw c.mismatch(src, c.lastTag);
  return false;
}

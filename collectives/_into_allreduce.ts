/**
 * `allreduceInto`: the buffer allreduce (MPI_Allreduce), every rank's
 * `send` (or, for IN_PLACE, `recv`) reduced into `recv` on every rank, with
 * the same bits everywhere.
 *
 * The algorithms and their selection are `allreduce`'s (`allreduce/select.ts`,
 * forced by the same `SPMD_COLL_ALLREDUCE`), working in the caller's `recv`
 * and this communicator's scratch memory instead of new arrays:
 *
 * - recursive doubling (small arrays): `recv` is the accumulator; each
 *   partner's array lands in scratch memory and is combined in rank order
 *   (lower ranks on the left), so both partners compute the same bits. The
 *   tag carries the element type (T_ALLREDUCE_TYPED + kind, as `allreduce`
 *   of a typed array: the two interoperate) and the byte count the length,
 *   so ranks that disagree find out from the messages themselves.
 * - ring (from `allreduceLargeFrom` bytes, a commutative element-wise
 *   op): reduce-scatter into `recv`'s blocks, then the blocks go round
 *   straight into `recv`. Each block is reduced on one rank, so every rank
 *   gets the same bits. A header round first (as `allreduce`'s), so that
 *   ranks whose lengths would choose different algorithms meet and fail
 *   alike.
 * - halving and doubling (the same arrays on 8 ranks or more:
 *   `allreduce/halving_doubling.ts`), with the same header round.
 *
 * All of the call's work goes through {@linkcode allreduceInto}.
 *
 * @module
 */

import { ANY_TAG, IN_PLACE } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, DISAGREE, Fault, raise, settle, shapeOf } from "./_fault.ts";
import { lastRun, ran } from "./_forced.ts";
import type { Op } from "../ops.ts";
import { combineInto } from "../ops.ts";
import { isAllreduceTag, T_ALLREDUCE, T_ALLREDUCE_HEADER, T_ALLREDUCE_TYPED } from "../transport/calls.ts";
import { allreduceSlots, allreduceSlotsQuick, NOT_IN_SLOT } from "./allreduce/slots.ts";
import { allreduceNative } from "./allreduce/native.ts";
import { NOT_NATIVE, served } from "./_native.ts";
import { type NumericArray, typedKind } from "../transport/typed.ts";
import { largeAlgorithm, ringServes } from "./allreduce/select.ts";
import { allreduceRecursiveDoubling } from "./allreduce/recursive_doubling.ts";
import { halvingDoublingInto } from "./allreduce/halving_doubling.ts";
import {
  alone,
  bytesOfArray,
  classify,
  combineOrdered,
  copyInto,
  forcedAs,
  GOT_DATA,
  sendMarker,
  stateOf,
} from "./_into.ts";

const forced = forcedAs("allreduce");

/**
 * Reduces every rank's `send` (`recv` itself when `send` is IN_PLACE) with
 * `op` into `recv`, the same bits on every rank. `send` and `recv` have one
 * type and length, as checked by the caller; `bad` is what is wrong with
 * this rank's arguments, if anything (every rank then throws). Inputs that
 * disagree between ranks throw the same SpmdError on every rank, and the
 * communicator stays usable; `recv` is then undefined (as in MPI).
 */
export function allreduceInto(
  c: Coll,
  send: NumericArray | typeof IN_PLACE,
  recv: NumericArray,
  op: Op,
  bad: Bad | null = null,
): void {
  const force = served(c, forced(c.call));
  if (c.size === 1) return alone(c, bad, recv, send);
  if (c.slots !== null && (force === null || force === "slots")) {
    // One shared round (allreduce/slots.ts): the result itself for small arrays, else the ranks' agreement.
    if (allreduceSlots(c, c.slots, send === IN_PLACE ? recv : send, op, bad, recv) !== NOT_IN_SLOT) {
      ran(c, "allreduce", "slots");
      return;
    }
  }
  if (c.native !== null && (force === null || force === "native")) {
    // One round of agreement, then the library's own allreduce where it applies (allreduce/native.ts).
    if (allreduceNative(c, c.native, send === IN_PLACE ? recv : send, op, bad, recv) !== NOT_NATIVE) {
      ran(c, "allreduce", "native");
      return;
    }
  }
  const algorithm = bad === null && ringServes(c.size, recv, op)
    ? largeAlgorithm(c.size, recv.byteLength, force)
    : null;
  const large = algorithm !== null, halving = algorithm === "halving_doubling";
  lastRun.allreduce = algorithm ?? "recursive_doubling";
  if (!large && bad === null) {
    // The fast path: no header, no extra round.
    if (send !== IN_PLACE) copyInto(recv, send);
    const f = recursiveDoublingInto(c, recv, op);
    if (op.family === "user") return settle(c, f ?? new Fault(null), input(send, recv), op);
    if (f === null) return;
    raise(c, f, input(send, recv), op, true);
  }
  // The ranks agree on what they passed (or fail alike) before the ring; a rank whose arguments are bad sends markers.
  const f = new Fault(bad);
  const header = f.failed ? null : `${c.call}|${shapeOf(recv)}|${op.name}|${op.family}|`;
  allreduceRecursiveDoubling(c, f, header, T_ALLREDUCE_HEADER, same, op);
  if (f.failed) raise(c, f, input(send, recv), op, true);
  if (send !== IN_PLACE) copyInto(recv, send);
  if (halving) halvingDoublingInto(c, recv, op, f);
  else ringInto(c, recv, op, f);
  if (op.family === "user") settle(c, f, input(send, recv), op);
  else if (f.failed) raise(c, f, input(send, recv), op, true);
}

/**
 * The common case of {@linkcode allreduceInto}, tried before the call is
 * recorded: arguments that fit (`send` and `recv` checked by the caller), a
 * small typed array and a built-in op on a communicator with slots, no
 * trace, no algorithm forced but the slots. True when done; false, having
 * done nothing, for the general path.
 */
export function allreduceIntoQuick(c: Coll, send: NumericArray | typeof IN_PLACE, recv: NumericArray, op: Op): boolean {
  const s = c.slots;
  if (s === null || c.size === 1 || c.trace !== null) return false;
  const force = forced(c.call);
  if (force !== null && force !== "slots") return false;
  if (!allreduceSlotsQuick(c, s, send === IN_PLACE ? recv : send, op, recv)) return false;
  if (lastRun.allreduce !== "slots") lastRun.allreduce = "slots";
  return true;
}

/** What this rank passed, for the error that every rank throws. */
function input(send: unknown, recv: unknown): unknown {
  return send === IN_PLACE ? recv : send;
}

/** The header merge: the same header on both sides, else the inputs disagree. */
function same(a: unknown, b: unknown): unknown {
  if (a !== b) throw DISAGREE;
  return a;
}

/** A fault that has failed (made on the failure path only). */
function failed(f: Fault | null): Fault {
  const g = f ?? new Fault(null);
  g.failed = true;
  return g;
}

/** Combines `other` into `acc` in rank order; a fault if the op threw (a user op). */
function merge(c: Coll, op: Op, acc: NumericArray, other: NumericArray, otherIsLower: boolean): Fault | null {
  try {
    combineOrdered(c.call, op, acc, other, otherIsLower);
    return null;
  } catch (e) {
    const f = new Fault(null);
    f.caught(c, op, e);
    return f;
  }
}

/**
 * Recursive doubling with `acc` (the caller's `recv`, holding this rank's
 * input) as the accumulator, for p > 1 (the exchange pattern of
 * `allreduce/recursive_doubling.ts`). Returns null, or the fault when the
 * ranks' inputs disagree (every rank then has one).
 */
function recursiveDoublingInto(c: Coll, acc: NumericArray, op: Op): Fault | null {
  const { rank, size } = c;
  const kind = typedKind(acc);
  const bytes = acc.byteLength;
  const tag = T_ALLREDUCE_TYPED + kind;
  const st = stateOf(c);
  const tmp = st.scratch(kind, acc.length, 0);
  const tmpB = st.scratchBytes(0);
  const accB = bytesOfArray(acc);
  let pof2 = 1;
  while (pof2 * 2 <= size) pof2 *= 2;
  const rem = size - pof2;
  let f: Fault | null = null;
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      c.sendBytes(kind, accB, rank + 1, tag);
      newrank = -1;
    } else {
      const m = c.recvBytes(tmpB, rank - 1, ANY_TAG);
      if (classify(c, m, rank - 1, tag, kind, bytes, isAllreduceTag) === GOT_DATA) f = merge(c, op, acc, tmp, true);
      else f = failed(f);
      newrank = rank >> 1;
    }
  } else newrank = rank - rem;
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      if (f === null) c.sendBytes(kind, accB, partner, tag);
      else sendMarker(c, partner);
      const m = c.recvBytes(tmpB, partner, ANY_TAG);
      if (classify(c, m, partner, tag, kind, bytes, isAllreduceTag) !== GOT_DATA) f = failed(f);
      else if (f === null) f = merge(c, op, acc, tmp, partner < rank);
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 1) {
      if (f === null) c.sendBytes(kind, accB, rank - 1, tag);
      else sendMarker(c, rank - 1);
    } else {
      const m = c.recvBytes(accB, rank + 1, ANY_TAG);
      if (classify(c, m, rank + 1, tag, kind, bytes, isAllreduceTag) !== GOT_DATA) f = failed(f);
    }
  }
  return f;
}

/**
 * The ring (reduce-scatter, then allgather) in `acc`, the caller's `recv`
 * holding this rank's input; the ranks have agreed on the shape. Blocks as
 * numpy.array_split: the first n mod p get one element more.
 */
function ringInto(c: Coll, acc: NumericArray, op: Op, f: Fault): void {
  const { rank, size } = c;
  const n = acc.length;
  const base = Math.floor(n / size);
  const extra = n % size;
  const off = (i: number): number => i * base + (i < extra ? i : extra);
  const kind = typedKind(acc);
  const bpe = acc.BYTES_PER_ELEMENT;
  const st = stateOf(c);
  const tmp = st.scratch(kind, base + (extra > 0 ? 1 : 0), 0);
  const tmpB = st.scratchBytes(0);
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  const accB = bytesOfArray(acc);
  const sendBlock = (b: number): void => {
    if (f.failed) sendMarker(c, right);
    else c.sendBytes(kind, accB.subarray(off(b) * bpe, off(b + 1) * bpe), right, T_ALLREDUCE);
  };
  // Reduce-scatter: after p − 1 rounds, rank r holds the whole block (r + 1) mod p.
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank - k + size) % size;
    const rb = (rank - k - 1 + size) % size;
    const len = off(rb + 1) - off(rb);
    const r = c.irecvInto(tmpB.subarray(0, len * bpe), left, ANY_TAG);
    sendBlock(sb);
    const m = c.waitBytes(r);
    if (classify(c, m, left, T_ALLREDUCE, kind, len * bpe, isAllreduceTag) !== GOT_DATA) f.failed = true;
    else if (!f.failed) {
      try {
        combineInto(c.call, op, acc.subarray(off(rb), off(rb + 1)), tmp.subarray(0, len));
      } catch (e) {
        f.caught(c, op, e);
      }
    }
  }
  // Allgather: the reduced blocks go round, straight into `acc`.
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank + 1 - k + size) % size;
    const rb = (rank - k + size) % size;
    const into = accB.subarray(off(rb) * bpe, off(rb + 1) * bpe);
    const r = c.irecvInto(into, left, ANY_TAG);
    sendBlock(sb);
    const m = c.waitBytes(r);
    if (classify(c, m, left, T_ALLREDUCE, kind, into.byteLength, isAllreduceTag) !== GOT_DATA) f.failed = true;
  }
}

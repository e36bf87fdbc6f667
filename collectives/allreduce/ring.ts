/**
 * Allreduce of a large typed array by a ring: reduce-scatter, then allgather.
 *
 * Cost: 2·(p − 1) rounds, each rank sending n/p elements per round: about
 * 2n bytes per rank whatever p (bandwidth-optimal), against n·log2 p for
 * recursive doubling. Combines blocks in ring order, so it needs a
 * commutative op, and applies it to pieces of the array, so it needs an
 * element-wise one (a built-in, or a user op created `elementwise`). Works
 * for any p.
 *
 * Every rank has checked the others' shape first (allreduce/mod.ts). An op
 * that throws poisons the ring: the rank sends markers from then on, and a
 * marker sent during the reduce-scatter (p − 1 rounds) goes round the whole
 * ring before the allgather (p − 1 more) ends.
 *
 * @module
 */

import { bytesOf, type NumericArray } from "../../transport/typed.ts";
import { blockOffsets } from "../_blocks.ts";
import { type Coll, copyTyped } from "../_coll.ts";
import { isAllreduceTag, T_ALLREDUCE, T_POISON } from "../../transport/calls.ts";
import { type Fault, MARKER } from "../_fault.ts";
import { combineInto, type Op } from "../../ops.ts";
import type { PendingOp } from "../../transport/transport.ts";

/** Returns the element-wise reduction on every rank (a new array; meaningless once `f` has failed). */
export function allreduceRing(c: Coll, value: NumericArray, op: Op, f: Fault): NumericArray {
  const { rank, size } = c;
  const acc = copyTyped(value);
  const off = blockOffsets(acc.length, size);
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  let maxBlock = 0;
  for (let i = 0; i < size; i++) maxBlock = Math.max(maxBlock, off[i + 1] - off[i]);
  const tmp = c.scratch(acc, maxBlock);
  const send = (b: number): PendingOp =>
    f.failed ? c.isend(MARKER, right, T_POISON) : c.isend(acc.subarray(off[b], off[b + 1]), right, T_ALLREDUCE);
  // Reduce-scatter: after p−1 rounds, rank r holds the full block (r+1) mod p.
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank - k + size) % size;
    const rb = (rank - k - 1 + size) % size;
    const s = send(sb);
    const part = tmp.subarray(0, off[rb + 1] - off[rb]) as NumericArray;
    if (arrived(c, f, c.recvIntoAny(part, left), part.byteLength) && !f.failed) {
      try {
        combineInto(c.call, op, acc.subarray(off[rb], off[rb + 1]) as NumericArray, part);
      } catch (e) {
        f.caught(c, op, e);
      }
    }
    c.wait(s);
  }
  // Allgather the reduced blocks around the ring.
  const u8 = bytesOf(acc);
  const bpe = acc.BYTES_PER_ELEMENT;
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank + 1 - k + size) % size;
    const rb = (rank - k + size) % size;
    const s = send(sb);
    const into = u8.subarray(off[rb] * bpe, off[rb + 1] * bpe);
    arrived(c, f, c.recvIntoAny(into, left), into.byteLength);
    c.wait(s);
  }
  return acc;
}

/** True when a block of `bytes` arrived; otherwise `f` has failed (or another collective's message throws). */
function arrived(c: Coll, f: Fault, got: number, bytes: number): boolean {
  if (got === bytes && c.lastTag === T_ALLREDUCE) return true;
  if (c.lastTag !== -1 && !isAllreduceTag(c.lastTag)) throw c.mismatch((c.rank - 1 + c.size) % c.size, c.lastTag);
  f.failed = true;
  return false;
}

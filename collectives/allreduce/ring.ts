/**
 * Allreduce of a large typed array by a ring: reduce-scatter, then allgather.
 *
 * Cost: 2·(p − 1) rounds, each rank sending n/p elements per round: about
 * 2n bytes per rank whatever p (bandwidth-optimal), against n·log2 p for
 * recursive doubling. Combines blocks in ring order, so it needs a
 * commutative op. Works for any p.
 *
 * @module
 */

import { bytesOf } from "../../transport/codec.ts";
import { blockOffsets } from "../_blocks.ts";
import { type Coll, copyTyped, T_ALLREDUCE } from "../_coll.ts";
import { combineInto, type NumericArray, type Op } from "../ops.ts";

/** Returns the element-wise reduction on every rank (a new array). */
export function allreduceRing(c: Coll, value: NumericArray, op: Op): NumericArray {
  const { rank, size } = c;
  const acc = copyTyped(value);
  const off = blockOffsets(acc.length, size);
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  let maxBlock = 0;
  for (let i = 0; i < size; i++) maxBlock = Math.max(maxBlock, off[i + 1] - off[i]);
  const tmp = c.scratch(acc, maxBlock);
  // Reduce-scatter: after p−1 rounds, rank r holds the full block (r+1) mod p.
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank - k + size) % size;
    const rb = (rank - k - 1 + size) % size;
    const s = c.isend(acc.subarray(off[sb], off[sb + 1]), right, T_ALLREDUCE);
    const part = tmp.subarray(0, off[rb + 1] - off[rb]) as NumericArray;
    c.recvInto(part, left, T_ALLREDUCE);
    combineInto(c.call, op, acc.subarray(off[rb], off[rb + 1]) as NumericArray, part);
    c.wait(s);
  }
  // Allgather the reduced blocks around the ring.
  const u8 = bytesOf(acc);
  const bpe = acc.BYTES_PER_ELEMENT;
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank + 1 - k + size) % size;
    const rb = (rank - k + size) % size;
    const s = c.isend(acc.subarray(off[sb], off[sb + 1]), right, T_ALLREDUCE);
    c.recvInto(u8.subarray(off[rb] * bpe, off[rb + 1] * bpe), left, T_ALLREDUCE);
    c.wait(s);
  }
  return acc;
}

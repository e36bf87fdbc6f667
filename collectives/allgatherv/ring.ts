/**
 * Allgather of unequal typed-array blocks (MPI_Allgatherv) by a ring.
 *
 * Cost: p − 1 rounds; in round k each rank passes block (rank − k) to its
 * right neighbour and receives block (rank − k − 1) directly into its place
 * in the result. The selector has checked the blocks.
 *
 * @module
 */

import { allocTyped, bytesOf, typedKind } from "../../transport/typed.ts";
import { offsetsOf } from "../_blocks.ts";
import type { Coll } from "../_coll.ts";
import { T_ALLGATHERV } from "../../transport/calls.ts";

/** Returns the concatenation of every rank's block on every rank. */
export function allgathervRing(c: Coll, array: ArrayBufferView, counts: readonly number[]): ArrayBufferView {
  const { rank, size } = c;
  const bpe = (array as Float64Array).BYTES_PER_ELEMENT ?? 1;
  const off = offsetsOf(counts);
  const out = allocTyped(typedKind(array), off[size] * bpe);
  const u8 = bytesOf(out);
  u8.set(bytesOf(array), off[rank] * bpe);
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank - k + size) % size;
    const rb = (rank - k - 1 + size) % size;
    const s = counts[sb] > 0 ? c.isend(u8.subarray(off[sb] * bpe, off[sb + 1] * bpe), right, T_ALLGATHERV) : null;
    if (counts[rb] > 0) c.recvInto(u8.subarray(off[rb] * bpe, off[rb + 1] * bpe), left, T_ALLGATHERV);
    if (s !== null) c.wait(s);
  }
  return out;
}

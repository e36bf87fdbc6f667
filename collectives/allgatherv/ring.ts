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
import { extentOf } from "../_agree.ts";
import type { Coll } from "../_coll.ts";
import { T_ALLGATHERV } from "../../transport/calls.ts";

/** Returns every rank's block on every rank, rank r's at `displs[r]` (gaps zero). */
export function allgathervRing(
  c: Coll,
  array: ArrayBufferView,
  counts: readonly number[],
  displs: readonly number[],
): ArrayBufferView {
  const { rank, size } = c;
  const bpe = (array as Float64Array).BYTES_PER_ELEMENT ?? 1;
  const out = allocTyped(typedKind(array), extentOf(counts, displs) * bpe);
  const u8 = bytesOf(out);
  u8.set(bytesOf(array), displs[rank] * bpe);
  const at = (b: number) => u8.subarray(displs[b] * bpe, (displs[b] + counts[b]) * bpe);
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank - k + size) % size;
    const rb = (rank - k - 1 + size) % size;
    const s = counts[sb] > 0 ? c.isend(at(sb), right, T_ALLGATHERV) : null;
    if (counts[rb] > 0) c.recvInto(at(rb), left, T_ALLGATHERV);
    if (s !== null) c.wait(s);
  }
  return out;
}

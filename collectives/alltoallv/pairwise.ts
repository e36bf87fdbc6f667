/**
 * All-to-all of unequal typed-array blocks (MPI_Alltoallv) by pairwise
 * exchange.
 *
 * Cost: p − 1 rounds; in round k each rank sends its block for rank + k
 * straight from its array and receives the block of rank − k (mod p)
 * straight into its place in the result, so every pair exchanges once and
 * each round is a permutation. The selector has checked every count.
 *
 * @module
 */

import { allocTyped, bytesOf, typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import { T_ALLTOALLV } from "../../transport/calls.ts";

/**
 * Sends `sendCounts[j]` elements of `array` from `sendDispls[j]` to rank j;
 * returns a new array of `length` elements holding rank i's block at
 * `recvDispls[i]` (`recvCounts[i]` elements; gaps zero).
 */
export function alltoallvPairwise(
  c: Coll,
  array: ArrayBufferView,
  sendCounts: readonly number[],
  sendDispls: readonly number[],
  recvCounts: readonly number[],
  recvDispls: readonly number[],
  length: number,
): ArrayBufferView {
  const { rank, size } = c;
  const bpe = (array as Float64Array).BYTES_PER_ELEMENT ?? 1;
  const out = allocTyped(typedKind(array), length * bpe);
  const src = bytesOf(array);
  const dst = bytesOf(out);
  const sendAt = (j: number) => src.subarray(sendDispls[j] * bpe, (sendDispls[j] + sendCounts[j]) * bpe);
  const recvAt = (i: number) => dst.subarray(recvDispls[i] * bpe, (recvDispls[i] + recvCounts[i]) * bpe);
  recvAt(rank).set(sendAt(rank));
  for (let k = 1; k < size; k++) {
    const to = (rank + k) % size;
    const from = (rank - k + size) % size;
    const s = sendCounts[to] > 0 ? c.isend(sendAt(to), to, T_ALLTOALLV) : null;
    if (recvCounts[from] > 0) c.recvInto(recvAt(from), from, T_ALLTOALLV);
    if (s !== null) c.wait(s);
  }
  return out;
}

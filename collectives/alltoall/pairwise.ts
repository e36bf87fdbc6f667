/**
 * All-to-all by pairwise exchange.
 *
 * Cost: p − 1 rounds; in round k each rank sends its value for rank + k and
 * receives from rank − k (mod p), so every pair exchanges exactly once and
 * each round is a permutation (no rank is hit by two senders).
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_ALLTOALL } from "../../transport/calls.ts";

/** `values[j]` goes to rank j; returns what every rank sent to this one. */
export function alltoallPairwise(c: Coll, values: readonly unknown[]): unknown[] {
  const { rank, size } = c;
  const out = new Array<unknown>(size);
  out[rank] = copyValue(values[rank], c.call);
  for (let k = 1; k < size; k++) {
    const dst = (rank + k) % size;
    const src = (rank - k + size) % size;
    out[src] = c.sendrecv(values[dst], dst, src, T_ALLTOALL);
  }
  return out;
}

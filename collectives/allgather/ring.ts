/**
 * Allgather by a ring, for any p.
 *
 * Cost: p − 1 rounds; in round k each rank passes the value it received in
 * round k − 1 (its own in round 0) to its right neighbour.
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_ALLGATHER } from "../../transport/calls.ts";

/** Returns every rank's value, in rank order. */
export function allgatherRing(c: Coll, value: unknown): unknown[] {
  const { rank, size } = c;
  const out = new Array<unknown>(size);
  out[rank] = value;
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  for (let k = 0; k < size - 1; k++) {
    const sb = (rank - k + size) % size;
    out[(rank - k - 1 + size) % size] = c.sendrecv(out[sb], right, left, T_ALLGATHER);
  }
  out[rank] = copyValue(value, c.call);
  return out;
}

/**
 * Barrier by dissemination (Hensgen, Finkel, Manber).
 *
 * Cost: ⌈log2 p⌉ rounds; in round k each rank sends an empty message to
 * rank + 2^k and receives from rank − 2^k (mod p). Works for any p.
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { T_BARRIER } from "../../transport/calls.ts";

/** Blocks until every rank of the communicator has entered the barrier. */
export function barrierDissemination(c: Coll): void {
  const { rank, size } = c;
  for (let k = 1; k < size; k <<= 1) {
    c.send(0, (rank + k) % size, T_BARRIER);
    c.recv((rank - k + size) % size, T_BARRIER);
  }
}

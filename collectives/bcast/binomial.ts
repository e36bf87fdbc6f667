/**
 * Broadcast along a binomial tree.
 *
 * Cost: ⌈log2 p⌉ rounds, each moving the whole message; best for small
 * messages. Relative rank vr = (rank − root) mod p receives from
 * vr − 2^k (the lowest set bit k of vr) and sends to vr + 2^j for the
 * smaller j. Works for any p and root.
 *
 * @module
 */

import { type Coll } from "../_coll.ts";
import { T_BCAST } from "../../transport/calls.ts";

/** Receives from the parent in the binomial tree rooted at `root`; returns the value (root: `value`). */
export function bcastBinomial(c: Coll, value: unknown, root: number, tag: number = T_BCAST): unknown {
  const { rank, size } = c;
  const vr = (rank - root + size) % size;
  let mask = 1;
  while (mask < size) {
    if (vr & mask) {
      value = c.recv((rank - mask + size) % size, tag);
      break;
    }
    mask <<= 1;
  }
  forwardBinomial(c, value, vr, mask, root, tag);
  return value;
}

/** Sends `value` down the binomial tree below relative rank `vr` (whose receive bit is `mask`). */
export function forwardBinomial(c: Coll, value: unknown, vr: number, mask: number, root: number, tag: number): void {
  const size = c.size;
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (vr + mask < size) c.send(value, (vr + mask + root) % size, tag);
  }
}

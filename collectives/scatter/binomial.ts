/**
 * Scatter along a binomial tree.
 *
 * Cost: ⌈log2 p⌉ rounds; the root sends each child the values of the
 * child's whole subtree as one message, and every rank forwards down.
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_SCATTER } from "../../transport/calls.ts";

/** Root passes `values` (size of them); returns this rank's value. */
export function scatterBinomial(c: Coll, values: readonly unknown[] | null, root: number): unknown {
  const { rank, size } = c;
  const vr = (rank - root + size) % size;
  // items[i] is the value of relative rank vr + i.
  let items: unknown[];
  let mask = 1;
  if (rank === root) {
    items = new Array(size);
    for (let i = 0; i < size; i++) items[i] = values![(i + root) % size];
    while (mask < size) mask <<= 1;
  } else {
    while (!(vr & mask)) mask <<= 1;
    items = c.recv((vr - mask + root) % size, T_SCATTER) as unknown[];
  }
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (vr + mask < size) c.send(items.slice(mask, 2 * mask), (vr + mask + root) % size, T_SCATTER);
  }
  return rank === root ? copyValue(items[0], c.call) : items[0];
}

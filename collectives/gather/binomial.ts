/**
 * Gather along a binomial tree.
 *
 * Cost: ⌈log2 p⌉ rounds; relative rank vr collects the values of its
 * subtree [vr, vr + 2^k) from its children, in relative order, and sends
 * them up as one message. The root rotates the list back to rank order.
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_GATHER } from "../../transport/calls.ts";

/** Returns the list of every rank's value on `root`, null elsewhere. */
export function gatherBinomial(c: Coll, value: unknown, root: number): unknown[] | null {
  const { rank, size } = c;
  const vr = (rank - root + size) % size;
  let items: unknown[] = [value];
  let mask = 1;
  while (mask < size) {
    if (vr & mask) {
      c.send(items, (vr - mask + root) % size, T_GATHER);
      return null;
    }
    if (vr + mask < size) {
      const sub = c.recv((vr + mask + root) % size, T_GATHER) as unknown[];
      items = items.concat(sub);
    }
    mask <<= 1;
  }
  // items[i] belongs to relative rank i; rotate to rank order.
  const out = new Array<unknown>(size);
  for (let i = 0; i < size; i++) out[(i + root) % size] = items[i];
  out[rank] = copyValue(value, c.call);
  return out;
}

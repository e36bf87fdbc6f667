/**
 * Allgather by recursive doubling, for p a power of two.
 *
 * Cost: log2 p rounds; in round k each rank exchanges the 2^k values it has
 * with partner rank ^ 2^k, doubling what it holds.
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_ALLGATHER } from "../../transport/calls.ts";

/** Returns every rank's value, in rank order (p must be a power of two). */
export function allgatherRecursiveDoubling(c: Coll, value: unknown): unknown[] {
  const { rank, size } = c;
  let items: unknown[] = [value];
  for (let mask = 1; mask < size; mask <<= 1) {
    const partner = rank ^ mask;
    const other = c.sendrecv(items, partner, partner, T_ALLGATHER) as unknown[];
    items = partner < rank ? other.concat(items) : items.concat(other);
  }
  items[rank] = copyValue(value, c.call);
  return items;
}

/**
 * `allgather`: recursive doubling when p is a power of two (log2 p rounds),
 * else the ring (p − 1 rounds).
 *
 * @module
 */

import type { Coll } from "../_coll.ts";
import { allgatherRecursiveDoubling } from "./recursive_doubling.ts";
import { allgatherRing } from "./ring.ts";

/** Returns every rank's value, in rank order. */
export function allgather(c: Coll, value: unknown): unknown[] {
  return (c.size & (c.size - 1)) === 0 ? allgatherRecursiveDoubling(c, value) : allgatherRing(c, value);
}

/**
 * Allgather on the shared-memory slots (transport/slots.ts), for
 * `allgatherInto` on communicators that span every rank of the job: every
 * rank writes its block into its slot once and, after one shared round,
 * copies every block out in rank order (`gather/slots.ts` with every rank
 * as a root). Blocks larger than a slot: the round only establishes
 * agreement, and a message algorithm runs next.
 *
 * @module
 */

import type { Slots } from "../../transport/slots.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { gatherSlots } from "../gather/slots.ts";

/** Allgathers this rank's block (`mine`, `blk` bytes) into `recv` in one round; false when it did not fit a slot. */
export function allgatherSlots(
  c: Coll,
  s: Slots,
  kind: number,
  mine: Uint8Array | null,
  blk: number,
  recv: NumericArray,
  own: boolean,
  bad: Bad | null,
  value: unknown,
  block = -1,
): boolean {
  return gatherSlots(c, s, kind, mine, blk, recv, -1, own, bad, value, block);
}

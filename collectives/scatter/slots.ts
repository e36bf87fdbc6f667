/**
 * Scatter on the shared-memory slots (transport/slots.ts), for
 * `scatterInto` on communicators that span every rank of the job: the root
 * writes its whole send buffer (p blocks) into its slot once; after one
 * shared round each rank copies its block out. Every rank's header says its
 * block's type and length and the root it names, so any disagreement fails
 * on every rank. Buffers larger than a slot: the round only establishes
 * agreement, and a message algorithm runs next.
 *
 * @module
 */

import type { Slots } from "../../transport/slots.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { bytesOfArray } from "../_into.ts";
import { bufferRound, copyBytes, slotBytes } from "../_slots.ts";

/**
 * Scatters the root's `send` (p blocks of `blk` bytes, element kind `kind`)
 * so that this rank's block lands in `recv` (null: the root with IN_PLACE,
 * whose block stays in `send`). False when it did not fit a slot. `value`
 * is what this rank passed, for errors (`block` ≥ 0: described as one block
 * of that many elements, as the root's send is).
 */
export function scatterSlots(
  c: Coll,
  s: Slots,
  kind: number,
  send: NumericArray | null,
  blk: number,
  recv: NumericArray | null,
  root: number,
  bad: Bad | null,
  value: unknown,
  block = -1,
): boolean {
  const fits = blk * c.size <= s.capacity;
  const mine = c.rank === root && fits && bad === null ? bytesOfArray(send!) : null;
  bufferRound(c, s, kind, blk, mine, root + 3, bad, value, null, block);
  if (!fits) return false;
  if (recv !== null) {
    copyBytes(bytesOfArray(recv), 0, slotBytes(s), s.dataIndex(c.worldRank(root), 1) + c.rank * blk, blk);
  }
  return true;
}

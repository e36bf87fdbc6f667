/**
 * All-to-all on the shared-memory slots (transport/slots.ts), for
 * `alltoallInto` on communicators that span every rank of the job: every
 * rank writes its whole send buffer (p blocks) into its slot once; after
 * one shared round each rank copies block r of every slot into its `recv`.
 * Headers carry each rank's block type and length, so any disagreement
 * fails on every rank. Buffers larger than a slot: the round only
 * establishes agreement, and a message algorithm runs next.
 *
 * @module
 */

import type { Slots } from "../../transport/slots.ts";
import type { NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { blockBytes } from "../_into.ts";
import { bufferRound, copyBytes, slotBytes } from "../_slots.ts";

/**
 * Exchanges `mine` (this rank's p blocks of `blk` bytes; null when its
 * arguments are `bad`) into `recv`. False when they did not fit a slot.
 */
export function alltoallSlots(
  c: Coll,
  s: Slots,
  kind: number,
  mine: Uint8Array | null,
  blk: number,
  recv: NumericArray,
  bad: Bad | null,
  value: unknown,
): boolean {
  const fits = blk * c.size <= s.capacity;
  bufferRound(c, s, kind, blk, fits ? mine : null, 1, bad, value, null);
  if (!fits) return false;
  const src = slotBytes(s);
  for (let r = 0; r < c.size; r++) {
    copyBytes(blockBytes(recv, blk, r, 1), 0, src, s.dataIndex(c.worldRank(r), 1) + c.rank * blk, blk);
  }
  return true;
}

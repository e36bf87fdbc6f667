/**
 * Gather and allgather on the shared-memory slots (transport/slots.ts), for
 * `gatherInto`/`allgatherInto` on communicators that span every rank of
 * the job: every rank writes its block into its slot once; after one shared
 * round the root (gather) or every rank (allgather) copies the blocks out
 * in rank order. Headers carry each rank's block type and length (and the
 * root), so any disagreement fails on every rank. Blocks larger than a
 * slot: the round only establishes agreement, and a message algorithm runs
 * next.
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
 * Gathers this rank's block (`mine`: its bytes, null when its arguments are
 * `bad`; `kind` its element kind, `blk` its byte length) into `recv` on
 * `root`, or on every rank when `root` is −1; `own` says whether this
 * rank's block must be copied into its `recv` too (not with IN_PLACE).
 * False when a block did not fit a slot (the ranks agree; gather it
 * otherwise). `value` is what this rank passed, for errors (with `block` ≥
 * 0: its block of that many elements, as with IN_PLACE).
 */
export function gatherSlots(
  c: Coll,
  s: Slots,
  kind: number,
  mine: Uint8Array | null,
  blk: number,
  recv: NumericArray | null,
  root: number,
  own: boolean,
  bad: Bad | null,
  value: unknown,
  block = -1,
): boolean {
  const fits = blk <= s.capacity;
  bufferRound(c, s, kind, blk, fits ? mine : null, root + 2, bad, value, null, block);
  if (!fits) return false;
  if (root >= 0 && c.rank !== root) return true;
  const src = slotBytes(s);
  for (let r = 0; r < c.size; r++) {
    if (r !== c.rank) copyBytes(blockBytes(recv!, blk, r, 1), 0, src, s.dataIndex(c.worldRank(r), 1), blk);
    else if (own) copyBytes(blockBytes(recv!, blk, r, 1), 0, mine!, 0, blk);
  }
  return true;
}

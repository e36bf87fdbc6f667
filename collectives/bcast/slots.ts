/**
 * Broadcast on the shared-memory slots (transport/slots.ts), for
 * `bcastInto` on communicators that span every rank of the job: the root
 * writes its buffer into its slot once; after one shared round every other
 * rank copies it out. Every rank's header says the type and length of its
 * buffer and the root it names, so any disagreement fails on every rank.
 * Buffers larger than a slot: the round only establishes agreement, and a
 * message algorithm runs next.
 *
 * @module
 */

import type { Slots } from "../../transport/slots.ts";
import { type NumericArray, typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { bytesOfArray } from "../_into.ts";
import { bufferRound, copyBytes, slotBytes } from "../_slots.ts";

/** Broadcasts `buf` from `root` in one round; false when it did not fit a slot (the ranks agree; send it otherwise). */
export function bcastSlots(c: Coll, s: Slots, buf: NumericArray, root: number, bad: Bad | null): boolean {
  const bytes = bad === null ? buf.byteLength : 0;
  const fits = bytes <= s.capacity;
  const mine = c.rank === root && fits && bad === null ? bytesOfArray(buf) : null;
  bufferRound(c, s, bad === null ? typedKind(buf) : 0, bytes, mine, root + 1, bad, buf, null);
  if (!fits) return false;
  if (c.rank !== root) copyBytes(bytesOfArray(buf), 0, slotBytes(s), s.dataIndex(c.worldRank(root), 1), bytes);
  return true;
}

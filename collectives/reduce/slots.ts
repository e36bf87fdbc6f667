/**
 * Reduce on the shared-memory slots (transport/slots.ts), for `reduceInto`
 * on communicators that span every rank of the job: every rank writes its
 * input into its slot once; after one shared round the root combines them
 * in rank order into its `recv` (as `allreduce/slots.ts`, on one rank).
 * Headers carry each rank's type, length, op and root, so any disagreement
 * fails on every rank. Inputs larger than a slot, or ops other than the
 * built-in element-wise ones: the round only establishes agreement, and a
 * message algorithm runs next.
 *
 * @module
 */

import type { Slots } from "../../transport/slots.ts";
import { type NumericArray, typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { bytesOfArray } from "../_into.ts";
import { bufferRound, rootedCode } from "../_slots.ts";
import { reduceTypedSlots } from "../allreduce/slots.ts";
import type { Op } from "../../ops.ts";

/** Reduces `input` with `op` into `recv` on `root` in one round; false when it must travel otherwise. */
export function reduceSlots(
  c: Coll,
  s: Slots,
  input: NumericArray,
  recv: NumericArray | null,
  op: Op,
  root: number,
  bad: Bad | null,
): boolean {
  const bytes = bad === null ? input.byteLength : 0;
  const inSlot = bytes <= s.capacity && op.family !== "user" && op.family !== "loc";
  bufferRound(
    c,
    s,
    bad === null ? typedKind(input) : 0,
    bytes,
    inSlot && bad === null ? bytesOfArray(input) : null,
    rootedCode(op, root),
    bad,
    input,
    op,
  );
  if (!inSlot) return false;
  if (c.rank === root) reduceTypedSlots(c, s, op, input, recv!);
  return true;
}

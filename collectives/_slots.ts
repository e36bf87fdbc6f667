// Shared by the collectives that run on the backend's shared-memory slots
// (transport/slots.ts): the op code a slot header carries, and what every
// rank does after a round in which the ranks' headers disagree.

import type { Slots } from "../transport/slots.ts";
import { callName } from "../transport/calls.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, Fault, raise, rankList } from "./_fault.ts";
import type { Op } from "../ops.ts";

/** A 31-bit code for `op` that ranks compare in their slot headers (0 for none). */
export function opCode(op: Op | null): number {
  if (op === null) return 0;
  if (op === lastOp) return lastCode; // a program reduces with one op, call after call
  const name = op.name;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  lastOp = op;
  return lastCode = (h & 0x7fffffff) | 1;
}
let lastOp: Op | null = null;
let lastCode = 0;

/** The code a rooted reduction's header carries: its op and its root, both of which must agree. */
export function rootedCode(op: Op, root: number): number {
  return (opCode(op) + (root + 1) * 7919) & 0x7fffffff;
}

/** True when every rank's header of the round just synced agrees with this rank's (and none is flagged bad). */
export function allAgree(c: Coll, s: Slots): boolean {
  const me = c.rank;
  for (let r = 0; r < c.size; r++) if (r !== me && !s.agrees(c.worldRank(r))) return false;
  return c.size > 1 || s.agrees(c.worldRank(me)); // alone: only this rank's own flags can fail (agrees checks both)
}

/**
 * Every rank calls this after a round whose headers disagree (each sees the
 * same headers, so all call it). Ranks in a collective of another
 * communicator cannot share one error message: each throws, naming them.
 * Otherwise all share what they passed and throw one and the same error
 * (`raise` in _fault.ts).
 */
export function slotsFail(
  c: Coll,
  s: Slots,
  value: unknown,
  op: Op | null,
  bad: Bad | null,
  strict: boolean,
  block = -1,
): never {
  const mine = s.header(s.rank).context;
  const elsewhere: number[] = [];
  const calls = new Set<string>();
  for (let r = 0; r < c.size; r++) {
    const h = s.header(c.worldRank(r));
    if (h.context !== mine) {
      elsewhere.push(r);
      calls.add(callName(h.call));
    }
  }
  if (elsewhere.length > 0) {
    throw c.error(
      `${rankList(elsewhere)} called ${[...calls].join(" or ")} on another communicator at the same point: ` +
        `every rank must call the collectives of communicators that share ranks in the same order ` +
        `(mismatched collectives)`,
      "MPI_ERR_OTHER",
    );
  }
  // A rank that passed IN_PLACE is described by its block of `value`: `block` elements (no view made for it).
  const shape = block >= 0 && ArrayBuffer.isView(value) ? `${value.constructor.name}(${block})` : null;
  raise(c, new Fault(bad), value, op, strict, null, shape);
}

/**
 * Ends a round that a fast path began before its call was recorded in the
 * activity block: polls tightly; records the call (rooted at −1) only when
 * it must wait, or fail; throws as {@linkcode slotsFail} when the ranks'
 * headers disagree.
 */
export function endUnrecorded(c: Coll, s: Slots, value: unknown, op: Op | null, strict: boolean): void {
  const there = s.spin();
  if (there && allAgree(c, s)) return;
  c.enter(-1); // a wait or a failure shows in the activity block (the deadlock monitor reads it)
  try {
    if (!there) s.wait();
    if (!allAgree(c, s)) slotsFail(c, s, value, op, null, strict);
  } finally {
    c.leave();
  }
}

/** This rank's input error when writing its contribution into its slot threw `e`. */
export function failedWrite(e: unknown): Bad {
  return { message: `writing this rank's data into shared memory threw ${e}`, code: "MPI_ERR_OTHER" };
}

/** Kind code of Uint8Array (transport/typed.ts), for a byte view over the slots. */
const KIND_U8 = 2;

/** A byte view over every slot (index with `s.dataIndex(worldRank, 1)`). */
export function slotBytes(s: Slots): Uint8Array {
  return s.view(KIND_U8) as Uint8Array;
}

/**
 * Copies `n` bytes: a loop up to 256 (nothing allocated), `set` beyond (one
 * subarray made, cheap next to copying that much).
 */
export function copyBytes(dst: Uint8Array, dstAt: number, src: Uint8Array, srcAt: number, n: number): void {
  if (n <= 256) { for (let i = 0; i < n; i++) dst[dstAt + i] = src[srcAt + i]; }
  else dst.set(src.subarray(srcAt, srcAt + n), dstAt);
}

/**
 * One round of a buffer collective on the slots: writes `mine` (null:
 * nothing) into this rank's slot, publishes its header — element kind,
 * `length` (the byte count that must agree between ranks) and `code` (an op
 * code and/or the root, which must agree too) — and waits for every rank.
 * Headers that disagree, or a rank whose arguments are `bad`, make every
 * rank throw the same error (`value` is what this rank passed, for it;
 * with `block` ≥ 0, its block of that many elements).
 */
export function bufferRound(
  c: Coll,
  s: Slots,
  kind: number,
  length: number,
  mine: Uint8Array | null,
  code: number,
  bad: Bad | null,
  value: unknown,
  op: Op | null,
  block = -1,
): void {
  s.begin();
  if (mine !== null && bad === null) {
    try {
      copyBytes(slotBytes(s), s.dataIndex(s.rank, 1), mine, 0, mine.length);
    } catch (e) {
      bad = failedWrite(e); // still publish (flagged), so that every rank stays in step and fails alike
    }
  }
  const ok = bad === null;
  s.publish(c.context, c.code, ok ? kind : 0, ok ? length : 0, code, ok ? 0 : 1);
  s.sync();
  if (!allAgree(c, s)) slotsFail(c, s, value, op, bad, true, block);
}

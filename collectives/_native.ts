// Shared by the collectives that run on the backend's own collectives (MPI's,
// `Transport.native`; the `native.ts` algorithms): the round in which the
// ranks agree on what they passed before any data moves, and what every rank
// does when they do not.
//
// The round is the MPI counterpart of a slots round's headers (_slots.ts):
// each rank contributes [h, −h] for its header h — call, element kind,
// byte length, a code for the op and/or root, a flag for arguments that are
// wrong on this rank — to one small allreduce with MAX, after which the
// ranks agree exactly when max(h) = −max(−h) field by field. Every rank
// sees the same result, so all go on, or all share what they passed and
// throw one and the same error (`raise` in _fault.ts), as on shared memory.
// It costs one small non-blocking allreduce per call: about 0.6 us of the
// 1.1 us an allreduceInto of one double takes at 2 ranks with MPICH (spmd's
// own algorithms over MPI point-to-point, which find disagreements from the
// messages themselves, take about 0.9 us there); large calls run at the
// library's speed.

import { KIND_NUMBER } from "../transport/codec.ts";
import type { NativeCollectives } from "../transport/transport.ts";
import { callCode, type CallName } from "../transport/calls.ts";
import { isNumericArray, KIND_DATAVIEW, typedKind } from "../transport/typed.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, Fault, raise } from "./_fault.ts";
import { MAX, MIN, type Op, PROD, SUM } from "../ops.ts";

/** Returned when the call does not run on the backend's collectives: the ranks agree, and spmd's algorithms run. */
export const NOT_NATIVE: unique symbol = Symbol("not native");

/** Kind in a header for a value that is neither a number nor a typed array. */
export const KIND_OTHER = 99;

/** Header fields: call, kind, length, code, bad. */
const FIELDS = 5;
const header = new Float64Array(2 * FIELDS);
let lastCall = "";
let lastCode = 0;

/**
 * One round of agreement for a call of `c` (see the module doc): true when
 * every rank passed the same element `kind`, byte `length` and `code` (op
 * and/or root) and no rank's arguments are `bad`. A rank that cannot know
 * the kind and length (a broadcast's receivers) passes −1 for both and
 * takes the others' from {@linkcode agreedKind} and {@linkcode agreedLength}.
 * Every rank gets the same answer; on false, all call
 * {@linkcode nativeFail}.
 */
export function agreeNative(
  c: Coll,
  n: NativeCollectives,
  kind: number,
  length: number,
  code: number,
  bad: Bad | null,
): boolean {
  const ok = bad === null;
  const h = header;
  if (c.call !== lastCall) {
    lastCall = c.call;
    lastCode = callCode(c.call as CallName);
  }
  h[0] = lastCode;
  h[1] = ok ? kind : 0;
  h[2] = ok ? length : 0;
  h[3] = code;
  h[4] = ok ? 0 : 1;
  for (let i = 0; i < FIELDS; i++) h[FIELDS + i] = -h[i];
  if (ok && kind < 0) h[FIELDS + 1] = h[FIELDS + 2] = -Infinity; // unknown here: the max is another rank's
  n.agree(c.context, h);
  for (let i = 0; i < FIELDS; i++) if (h[i] !== -h[FIELDS + i]) return false;
  return h[4] === 0; // (every rank's arguments may be wrong alike)
}

/** The element kind that the last round agreed on. */
export function agreedKind(): number {
  return header[1];
}

/** The byte length that the last round agreed on. */
export function agreedLength(): number {
  return header[2];
}

/**
 * {@linkcode agreeNative}, and on disagreement the same error on every
 * rank, built from what each passed (`value`; with `block` ≥ 0 described
 * as a block of that many elements, as with IN_PLACE); `strict` says
 * whether shapes must agree (not for a user op).
 */
export function nativeRound(
  c: Coll,
  n: NativeCollectives,
  kind: number,
  length: number,
  code: number,
  bad: Bad | null,
  value: unknown,
  op: Op | null,
  strict = true,
  block = -1,
): void {
  if (!agreeNative(c, n, kind, length, code, bad)) nativeFail(c, value, op, bad, strict, block);
}

/**
 * Every rank calls this after a round that found a disagreement: all share
 * what they passed (`shape`, when given, describes it) and throw the same
 * error.
 */
export function nativeFail(
  c: Coll,
  value: unknown,
  op: Op | null,
  bad: Bad | null,
  strict: boolean,
  block = -1,
  shape: string | null = null,
): never {
  // A rank that passed IN_PLACE is described by its block of `value`: `block` elements.
  const s = shape ?? (block >= 0 && ArrayBuffer.isView(value) ? `${value.constructor.name}(${block})` : null);
  raise(c, new Fault(bad), value, op, strict, null, s);
}

/**
 * `force` (an algorithm forced by SPMD_COLL_<OP>), or null (the automatic
 * choice) when it names collectives that `c`'s backend lacks: `native`
 * without collectives of the backend's own, `slots` without shared slots.
 */
export function served<A extends string>(c: Coll, force: A | null): A | null {
  if ((force === "native" && c.native === null) || (force === "slots" && c.slots === null)) return null;
  return force;
}

/**
 * The kind a value-level reduction's header carries for `value` (as the
 * slots' headers do): a number, a typed array's kind, or KIND_OTHER (and a
 * user op takes operands of any shape: only the op must agree).
 */
export function valueKind(value: unknown, op: Op): number {
  if (op.family === "user") return KIND_OTHER;
  if (typeof value === "number") return KIND_NUMBER;
  return isNumericArray(value) ? typedKind(value) : KIND_OTHER;
}

/** The byte length a header carries for `value` of kind `kind` (from {@linkcode valueKind}). */
export function valueLength(value: unknown, kind: number): number {
  if (kind === KIND_NUMBER) return 8;
  return kind === KIND_OTHER ? 0 : (value as ArrayBufferView).byteLength;
}

/**
 * True when `count` elements of kind `kind` (KIND_NUMBER: one number) are
 * reduced with `op` by the backend.
 */
export function reducible(n: NativeCollectives, kind: number, op: Op, count: number): boolean {
  if (op.family === "user" || op.family === "loc" || count > n.maxCount) return false;
  if (kind === KIND_NUMBER) return op === SUM || op === PROD || op === MAX || op === MIN;
  return kind !== KIND_OTHER && kind !== KIND_DATAVIEW && n.reduces(kind, op.name);
}

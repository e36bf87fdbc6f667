/**
 * Allreduce on the shared-memory slots (transport/slots.ts), for
 * communicators that span every rank of the job: each rank writes its
 * contribution into its own slot once, and after one shared round every
 * rank reads all of them and combines them itself, in rank order, so every
 * rank computes the same bits. No message, no copy through a ring.
 *
 * It serves numbers and typed arrays up to the slot's capacity with a
 * built-in op other than MAXLOC/MINLOC. For every other allreduce on such
 * a communicator, the round carries only the header: the ranks agree on
 * what they passed (or fail alike) before a message algorithm runs, so
 * ranks never wait in different algorithms.
 *
 * @module
 */

import { KIND_NUMBER } from "../../transport/codec.ts";
import type { Slots } from "../../transport/slots.ts";
import { KIND_DATAVIEW, KIND_FLOAT64, type NumericArray, typedKind } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { allAgree, endUnrecorded, failedWrite, opCode, rootedCode, slotsFail } from "../_slots.ts";
import { combineInto, MAX, MIN, type Op, PROD, SUM } from "../../ops.ts";

/** Returned when the value does not travel in a slot: the ranks agree, and a message algorithm runs next. */
export const NOT_IN_SLOT: unique symbol = Symbol("not in slot");

/** Kind in a header for a value that is neither a number nor a typed array. */
const KIND_OTHER = 99;

/**
 * One round of the slots for an allreduce: returns the result (in `into`
 * when given, else a new value), or {@linkcode NOT_IN_SLOT} when the value
 * must travel by messages (always, when `carry` is false: a round of
 * agreement only, as `scan` takes; `root` ≥ 0 for a reduce, whose root
 * must agree too). Throws the same error on every rank
 * when the ranks' inputs disagree or one is `bad`.
 */
export function allreduceSlots(
  c: Coll,
  s: Slots,
  value: unknown,
  op: Op,
  bad: Bad | null,
  into: NumericArray | null = null,
  carry = true,
  root = -1,
): unknown {
  const builtin = op.family !== "user" && op.family !== "loc";
  let kind = KIND_OTHER;
  let length = 0;
  if (op.family === "user") {
    // A user op may take operands of any shape: only the op must agree.
  } else if (typeof value === "number") {
    kind = KIND_NUMBER;
    length = 8;
  } else {
    const k = typedKind(value); // one look-up: 0 for what is not a typed array
    if (k !== 0 && k !== KIND_DATAVIEW) {
      kind = k;
      length = (value as NumericArray).byteLength;
    }
  }
  const inSlot = carry && bad === null && builtin && length <= s.capacity &&
    (kind === KIND_NUMBER ? op === SUM || op === PROD || op === MAX || op === MIN : kind !== KIND_OTHER);
  s.begin();
  if (inSlot) {
    try {
      if (kind === KIND_NUMBER) {
        (s.view(KIND_FLOAT64) as Float64Array)[s.dataIndex(s.rank, 8)] = value as number;
      } else writeTyped(s, value as NumericArray, kind);
    } catch (e) {
      bad = failedWrite(e); // still publish (flagged), so that every rank stays in step and fails alike
    }
  }
  const code = root < 0 ? opCode(op) : rootedCode(op, root); // a reduce's root must agree too
  s.publish(c.context, c.code, kind, length, code, bad === null ? 0 : 1);
  s.sync();
  if (!allAgree(c, s)) slotsFail(c, s, value, op, bad, op.family !== "user");
  if (!inSlot) return NOT_IN_SLOT;
  if (kind === KIND_NUMBER) return reduceNumbers(c, s, op);
  const v = value as NumericArray;
  const out = into ?? new (v.constructor as new (n: number) => NumericArray)(v.length);
  reduceTypedSlots(c, s, op, v, out, kind);
  return out;
}

/**
 * The common small allreduce on the slots, begun before the call is
 * recorded in the activity block (as a send that goes at once is not): one
 * round for `value` (a typed array of at most the slot's capacity, checked
 * by the caller as fit) reduced with `op` (a built-in op, not MAXLOC or
 * MINLOC) into `into`. The round is recorded only if this rank must wait
 * for it past the tight poll. Returns false, having done nothing, when the
 * call is not of that kind.
 */
export function allreduceSlotsQuick(c: Coll, s: Slots, value: NumericArray, op: Op, into: NumericArray): boolean {
  const family = op.family;
  const kind = typedKind(value);
  const length = value.byteLength;
  if (family === "user" || family === "loc" || kind === KIND_DATAVIEW || length > s.capacity) return false;
  s.begin();
  writeTyped(s, value, kind);
  s.publish(c.context, c.code, kind, length, opCode(op), 0);
  endUnrecorded(c, s, value, op, true);
  reduceTypedSlots(c, s, op, value, into, kind);
  return true;
}

/** Writes typed array `value` (of kind `kind`) into this rank's slot of the round begun. */
function writeTyped(s: Slots, value: NumericArray, kind: number): void {
  const v = value as Float64Array;
  const view = s.view(kind) as Float64Array;
  const at = s.dataIndex(s.rank, v.BYTES_PER_ELEMENT);
  const n = v.length;
  if (n <= 16) { for (let i = 0; i < n; i++) view[at + i] = v[i]; }
  // `set` is a builtin call: ~10 ns
  else view.set(v, at);
}

function reduceNumbers(c: Coll, s: Slots, op: Op): number {
  const f = s.view(KIND_FLOAT64) as Float64Array;
  let acc = f[s.dataIndex(c.worldRank(0), 8)];
  for (let r = 1; r < c.size; r++) {
    const x = f[s.dataIndex(c.worldRank(r), 8)];
    if (op === SUM) acc += x;
    else if (op === PROD) acc *= x;
    else if (op === MAX) acc = x > acc ? x : acc;
    else acc = x < acc ? x : acc;
  }
  return acc;
}

/** Combines every rank's slot (arrays like `like`) into `out`, in rank order. */
export function reduceTypedSlots(
  c: Coll,
  s: Slots,
  op: Op,
  like: NumericArray,
  out: NumericArray,
  kind: number = typedKind(like),
): void {
  const n = like.length;
  const bpe = like.BYTES_PER_ELEMENT;
  const view = s.view(kind) as Float64Array;
  const x = out as Float64Array;
  const wide32 = op === PROD && (out instanceof Int32Array || out instanceof Uint32Array);
  let at = s.dataIndex(c.worldRank(0), bpe);
  for (let i = 0; i < n; i++) x[i] = view[at + i];
  for (let r = 1; r < c.size; r++) {
    at = s.dataIndex(c.worldRank(r), bpe);
    if (op === SUM) { for (let i = 0; i < n; i++) x[i] += view[at + i]; }
    else if (op === PROD && wide32) { for (let i = 0; i < n; i++) x[i] = Math.imul(x[i], view[at + i]); }
    // C's wrap
    else if (op === PROD) { for (let i = 0; i < n; i++) x[i] *= view[at + i]; }
    else if (op === MAX) { for (let i = 0; i < n; i++) x[i] = view[at + i] > x[i] ? view[at + i] : x[i]; }
    else if (op === MIN) { for (let i = 0; i < n; i++) x[i] = view[at + i] < x[i] ? view[at + i] : x[i]; }
    else combineInto(c.call, op, out, view.subarray(at, at + n) as unknown as NumericArray);
  }
}

/**
 * Allreduce on the backend's own collectives (MPI_Allreduce, through
 * `Transport.native`): after one round in which the ranks agree on call,
 * op, element type and length (`../_native.ts`), numbers and typed arrays
 * with a built-in op the library applies to their element type are
 * reduced by the library's tuned algorithms, straight from and into the
 * caller's memory. Everything else (user ops, MAXLOC/MINLOC, other values,
 * the element types and ops MPI has not: Float16Array, Uint8ClampedArray,
 * LAND/LOR/LXOR on floating point) runs spmd's algorithms next, the ranks
 * now agreeing.
 *
 * The library combines in its own order: floating-point results may differ
 * in the last bits from spmd's (rank order), but are the same on every
 * rank; MAX and MIN of NaN follow the library.
 *
 * @module
 */

import { KIND_NUMBER } from "../../transport/codec.ts";
import type { NativeCollectives } from "../../transport/transport.ts";
import { KIND_FLOAT64, type NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { nativeRound, NOT_NATIVE, reducible, valueKind, valueLength } from "../_native.ts";
import { opCode } from "../_slots.ts";
import type { Op } from "../../ops.ts";

/** One number, reduced in place. */
const number = new Float64Array(1);

/**
 * Returns the reduction of `value` with `op` (in `into` when given: then
 * `value` is the caller's send, or `into` itself for IN_PLACE), or
 * {@linkcode NOT_NATIVE} when spmd's algorithms must reduce it (the ranks
 * agree). Throws the same error on every rank when the ranks' inputs
 * disagree or one is `bad`.
 */
export function allreduceNative(
  c: Coll,
  n: NativeCollectives,
  value: unknown,
  op: Op,
  bad: Bad | null,
  into: NumericArray | null = null,
): unknown {
  const kind = bad === null ? valueKind(value, op) : 0;
  const length = bad === null ? valueLength(value, kind) : 0;
  nativeRound(c, n, kind, length, opCode(op), bad, value, op, op.family !== "user");
  if (kind === KIND_NUMBER) {
    if (!reducible(n, kind, op, 1)) return NOT_NATIVE;
    number[0] = value as number;
    n.allreduce(c.context, null, number, 1, KIND_FLOAT64, op.name);
    return number[0];
  }
  const v = value as NumericArray;
  if (!reducible(n, kind, op, v.length)) return NOT_NATIVE;
  const out = into ?? new (v.constructor as new (n: number) => NumericArray)(v.length);
  n.allreduce(c.context, v === out ? null : v, out, v.length, kind, op.name);
  return out;
}

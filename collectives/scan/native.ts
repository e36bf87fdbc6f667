/**
 * Scan and exscan on the backend's own collectives (MPI_Scan, MPI_Exscan,
 * through `Transport.native`): after one round in which the ranks agree on
 * call, op, element type and length (`../_native.ts`), numbers and typed
 * arrays with a built-in op the library applies to their element type are
 * reduced by the library, straight from and into the caller's memory.
 * Everything else runs spmd's algorithms next, the ranks now agreeing.
 *
 * An exclusive scan leaves rank 0's `recv` untouched, as spmd's does (MPI
 * leaves it undefined): rank 0 hands the library scratch memory instead.
 *
 * @module
 */

import { KIND_NUMBER } from "../../transport/codec.ts";
import type { NativeCollectives } from "../../transport/transport.ts";
import { KIND_FLOAT64, type NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { stateOf } from "../_into.ts";
import { nativeRound, NOT_NATIVE, reducible, valueKind, valueLength } from "../_native.ts";
import { opCode } from "../_slots.ts";
import type { Op } from "../../ops.ts";

/** One number, and rank 0's result of an exclusive scan (discarded). */
const number = new Float64Array(1);
const unused = new Float64Array(1);

/**
 * Returns the inclusive (`exclusive` false) or exclusive prefix reduction
 * of `value` with `op` (in `into` when given: then `value` is the caller's
 * send, or `into` itself for IN_PLACE), null on rank 0 of an exclusive
 * scan, or {@linkcode NOT_NATIVE} when spmd's algorithms must compute it
 * (the ranks agree).
 */
export function scanNative(
  c: Coll,
  n: NativeCollectives,
  value: unknown,
  op: Op,
  exclusive: boolean,
  bad: Bad | null,
  into: NumericArray | null = null,
): unknown {
  const kind = bad === null ? valueKind(value, op) : 0;
  const length = bad === null ? valueLength(value, kind) : 0;
  nativeRound(c, n, kind, length, opCode(op), bad, value, op, op.family !== "user");
  const first = exclusive && c.rank === 0;
  if (kind === KIND_NUMBER) {
    if (!reducible(n, kind, op, 1)) return NOT_NATIVE;
    number[0] = value as number;
    n.scan(c.context, first ? number : null, first ? unused : number, 1, KIND_FLOAT64, op.name, exclusive);
    return first ? null : number[0];
  }
  const v = value as NumericArray;
  if (!reducible(n, kind, op, v.length)) return NOT_NATIVE;
  if (first) {
    // Rank 0 contributes its input and keeps its recv as it is.
    n.scan(c.context, v, stateOf(c).scratch(kind, v.length, 0), v.length, kind, op.name, true);
    return null;
  }
  const out = into ?? new (v.constructor as new (n: number) => NumericArray)(v.length);
  n.scan(c.context, v === out ? null : v, out, v.length, kind, op.name, exclusive);
  return out;
}

/**
 * Reduce on the backend's own collectives (MPI_Reduce, through
 * `Transport.native`): after one round in which the ranks agree on call,
 * op, root, element type and length (`../_native.ts`), numbers and typed
 * arrays with a built-in op the library applies to their element type are
 * reduced by the library's tuned algorithms, straight from the caller's
 * memory into the root's. Everything else runs spmd's algorithms next, the
 * ranks now agreeing (as `../allreduce/native.ts`). Every rank throws the
 * same error when the ranks' inputs disagree.
 *
 * @module
 */

import { KIND_NUMBER } from "../../transport/codec.ts";
import type { NativeCollectives } from "../../transport/transport.ts";
import { KIND_FLOAT64, type NumericArray } from "../../transport/typed.ts";
import type { Coll } from "../_coll.ts";
import type { Bad } from "../_fault.ts";
import { nativeRound, NOT_NATIVE, reducible, valueKind, valueLength } from "../_native.ts";
import { rootedCode } from "../_slots.ts";
import type { Op } from "../../ops.ts";

/** One number, reduced. */
const number = new Float64Array(1);

/**
 * Reduces `value` with `op` to `root`: returns the result on the root (in
 * `into` when given: then `value` is the root's send, or `into` itself for
 * IN_PLACE; `into` is null on the other ranks of a buffer call), null on
 * the other ranks, or {@linkcode NOT_NATIVE} when spmd's algorithms must
 * reduce it (the ranks agree).
 */
export function reduceNative(
  c: Coll,
  n: NativeCollectives,
  value: unknown,
  op: Op,
  root: number,
  bad: Bad | null,
  into?: NumericArray | null,
): unknown {
  const kind = bad === null ? valueKind(value, op) : 0;
  const length = bad === null ? valueLength(value, kind) : 0;
  nativeRound(c, n, kind, length, rootedCode(op, root), bad, value, op, op.family !== "user");
  const isRoot = c.rank === root;
  if (kind === KIND_NUMBER) {
    if (!reducible(n, kind, op, 1)) return NOT_NATIVE;
    number[0] = value as number;
    n.reduce(c.context, isRoot ? null : number, isRoot ? number : null, 1, KIND_FLOAT64, op.name, root);
    return isRoot ? number[0] : null;
  }
  const v = value as NumericArray;
  if (!reducible(n, kind, op, v.length)) return NOT_NATIVE;
  const out = !isRoot ? null : into ?? new (v.constructor as new (n: number) => NumericArray)(v.length);
  n.reduce(c.context, v === out ? null : v, out, v.length, kind, op.name, root);
  return out;
}

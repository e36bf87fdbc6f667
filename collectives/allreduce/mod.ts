/**
 * `allreduce`: chooses the algorithm. Typed arrays of at least
 * {@linkcode ALLREDUCE_LARGE_BYTES} with a commutative, element-wise op
 * (any built-in, or a user op created `elementwise`) use the ring
 * (reduce-scatter + allgather), after an exchange of headers by recursive
 * doubling in which every rank checks that all passed the same shape; small
 * typed arrays with a built-in op take the typed recursive doubling (no
 * header: the messages themselves say what was sent); everything else the
 * recursive doubling on values. All of them follow one exchange pattern, so
 * ranks that took different paths because their inputs disagree still meet,
 * and all fail alike (see `_fault.ts`).
 *
 * A user op only ever sees values this rank owns: the input is copied once.
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_ALLREDUCE, T_ALLREDUCE_HEADER } from "../../transport/calls.ts";
import { type Bad, DISAGREE, Fault, raise, shapeOf } from "../_fault.ts";
import { isNumericArray, type NumericArray, type Op } from "../ops.ts";
import { allreduceRecursiveDoubling, allreduceTyped } from "./recursive_doubling.ts";
import { allreduceRing } from "./ring.ts";

/** Typed arrays at least this large (with a commutative op) use the ring. */
export const ALLREDUCE_LARGE_BYTES = 64 * 1024;

/**
 * Returns the reduction on every rank. `bad` is this rank's own input error
 * (every rank then throws); `counts` (reduceScatter's) must agree between
 * ranks, and are checked in a header exchange.
 */
export function allreduce(
  c: Coll,
  value: unknown,
  op: Op,
  bad: Bad | null = null,
  counts: readonly number[] | null = null,
): unknown {
  if (c.size === 1) {
    if (bad !== null) throw c.error(bad.message, bad.code);
    return copyValue(value, c.call);
  }
  const typed = op.family !== "user" && isNumericArray(value);
  if (typed && bad === null && counts === null && value.byteLength < ALLREDUCE_LARGE_BYTES) {
    // The fast path: no header, no extra round.
    const r = allreduceTyped(c, value, op);
    if (r !== null) return r;
    raise(c, new Fault(null), value, op, true);
  }
  const strict = op.family !== "user" || counts !== null;
  const f = new Fault(bad);
  const ring = bad === null && isNumericArray(value) && op.commutative &&
    (op.family === "user" ? op.elementwise === true : op.elementwise !== false) &&
    value.byteLength >= ALLREDUCE_LARGE_BYTES && value.length >= c.size;
  if (ring || counts !== null || f.failed) {
    const header = f.failed ? null : `${c.call}|${shapeOf(value)}|${op.name}|${op.family}|${counts?.join(",")}`;
    const same = (a: unknown, b: unknown) => {
      if (a !== b) throw DISAGREE;
      return a;
    };
    allreduceRecursiveDoubling(c, f, header, T_ALLREDUCE_HEADER, same, op);
    if (f.failed) raise(c, f, value, op, strict, counts);
  }
  let result: unknown;
  if (ring) result = allreduceRing(c, value as NumericArray, op, f);
  else if (typed) {
    result = allreduceTyped(c, value, op);
    if (result === null) f.failed = true;
  } else {
    const own = op.family === "user" ? copyValue(value, c.call) : value;
    result = allreduceRecursiveDoubling(c, f, own, T_ALLREDUCE, null, op);
  }
  if (f.failed) raise(c, f, value, op, strict, counts);
  return result === value ? copyValue(result, c.call) : result;
}

/**
 * `allreduce`: the selector. Typed arrays of at least
 * {@linkcode allreduceLargeFrom} bytes (64 KiB on 2 or 3 ranks, 512 KiB on
 * more) with a commutative, element-wise op (any built-in, or a user op
 * created `elementwise`) use the ring (reduce-scatter + allgather), or on 8
 * ranks or more the halving and doubling (`halving_doubling.ts`), after an
 * exchange of headers by recursive doubling in which every rank checks that
 * all passed the same shape; small
 * typed arrays with a built-in op take the typed recursive doubling (no
 * header: the messages themselves say what was sent); everything else the
 * recursive doubling on values. All of them follow one exchange pattern, so
 * ranks that took different paths because their inputs disagree still meet,
 * and all fail alike (see `_fault.ts`).
 *
 * A user op only ever sees values this rank owns: the input is copied once.
 *
 * On a backend with collectives of its own (MPI), every allreduce starts
 * with one round in which the ranks agree on what they passed; numbers and
 * typed arrays with a built-in op the library has then run its allreduce
 * (`native.ts`), the rest the algorithms above.
 *
 * On a communicator that spans every rank of a job whose backend has
 * shared-memory slots, every allreduce starts with one round of the slots
 * (`slots.ts`): numbers and typed arrays up to a slot's capacity with a
 * built-in op are reduced right there; for anything else the round only
 * establishes that the ranks agree, and the algorithms above run next.
 *
 * Forced by `SPMD_COLL_ALLREDUCE` (see `../_forced.ts`): `slots` and
 * `native` are the automatic choice where they apply; `ring` and
 * `halving_doubling` serve typed arrays of at least p elements of any byte
 * size with a commutative, element-wise op; `recursive_doubling` serves everything (typed arrays of
 * any size then take the typed recursive doubling).
 *
 * @module
 */

import { type Coll, copyValue } from "../_coll.ts";
import { T_ALLREDUCE, T_ALLREDUCE_HEADER } from "../../transport/calls.ts";
import { type Bad, DISAGREE, Fault, raise, settle, shapeOf } from "../_fault.ts";
import { forcedBy, lastRun, ran } from "../_forced.ts";
import type { Op } from "../../ops.ts";
import { elementCount, isNumericArray, type NumericArray } from "../../transport/typed.ts";
import { allreduceRecursiveDoubling, allreduceTyped } from "./recursive_doubling.ts";
import { allreduceRing } from "./ring.ts";
import { halvingChosen, halvingDoublingInto } from "./halving_doubling.ts";
import { allreduceSlots, NOT_IN_SLOT } from "./slots.ts";
import { allreduceNative } from "./native.ts";
import { NOT_NATIVE, served } from "../_native.ts";

/** Typed arrays at least this large (with a commutative op) use the ring on 2 or 3 ranks. */
export const ALLREDUCE_LARGE_BYTES = 64 * 1024;

/**
 * Bytes from which a typed array (with a commutative, element-wise op) leaves the recursive doubling for the ring or
 * the halving and doubling, on `size` ranks. With 4 to 8 ranks on 2 cores the recursive doubling's log2 p exchanges
 * of the whole array beat the ring's 2·(p−1) steps up to 256 KiB (allreduceInto, 4 ranks: 64 KiB 41–47 µs against
 * 60–125; 256 KiB 196–229 against 223–338; 8 ranks: 64 KiB 178–196 against 234–306, 256 KiB 652–759 against 553–1025),
 * and lose from 512 KiB (4 ranks: 650 against 426).
 */
export function allreduceLargeFrom(size: number): number {
  return size >= 4 ? 512 * 1024 : ALLREDUCE_LARGE_BYTES;
}

/**
 * The algorithm for a typed array of `bytes` on `size` ranks whose op the ring serves (both selectors' `ringServes`:
 * commutative, element-wise, at least one element per rank, which the halving and doubling needs too), given the
 * forced choice: "ring", "halving_doubling", or null for the recursive doubling.
 */
export function largeAlgorithm(size: number, bytes: number, force: string | null): "ring" | "halving_doubling" | null {
  if (force === "recursive_doubling") return null;
  if (force === "ring" || force === "halving_doubling") return force;
  if (bytes < allreduceLargeFrom(size)) return null;
  return halvingChosen(size) ? "halving_doubling" : "ring";
}

const forced = forcedBy("allreduce", ["halving_doubling", "native", "recursive_doubling", "ring", "slots"]);

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
  const force = served(c, forced(c.call));
  if (c.size === 1) {
    if (bad !== null) throw c.error(bad.message, bad.code);
    return copyValue(value, c.call);
  }
  // (Not for reduceScatter: its counts are agreed on in the header exchange below, even when one rank's are bad.)
  if (c.slots !== null && c.call !== "reduceScatter" && (force === null || force === "slots")) {
    // One shared round: the result itself for small values, else the ranks' agreement on what they passed.
    const r = allreduceSlots(c, c.slots, value, op, bad);
    if (r !== NOT_IN_SLOT) {
      ran(c, "allreduce", "slots");
      return r;
    }
  }
  if (c.native !== null && c.call !== "reduceScatter" && (force === null || force === "native")) {
    // One round of agreement, then the library's own allreduce where it applies (native.ts).
    const r = allreduceNative(c, c.native, value, op, bad);
    if (r !== NOT_NATIVE) {
      ran(c, "allreduce", "native");
      return r;
    }
  }
  const typed = op.family !== "user" && isNumericArray(value);
  const algorithm = bad === null && ringServes(c.size, value, op)
    ? largeAlgorithm(c.size, value.byteLength, force)
    : null;
  const large = algorithm !== null, halving = algorithm === "halving_doubling", ring = algorithm === "ring";
  lastRun.allreduce = algorithm ?? "recursive_doubling";
  if (typed && !large && bad === null && counts === null) {
    // The fast path: no header, no extra round.
    const r = allreduceTyped(c, value, op);
    if (r !== null) return r;
    raise(c, new Fault(null), value, op, true);
  }
  const strict = op.family !== "user" || counts !== null;
  const f = new Fault(bad);
  if (large || counts !== null || f.failed) {
    const header = f.failed ? null : `${c.call}|${shapeOf(value)}|${op.name}|${op.family}|${counts?.join(",")}`;
    const same = (a: unknown, b: unknown) => {
      if (a !== b) throw DISAGREE;
      return a;
    };
    allreduceRecursiveDoubling(c, f, header, T_ALLREDUCE_HEADER, same, op);
    if (f.failed) raise(c, f, value, op, strict, counts);
  }
  let result: unknown;
  if (halving) {
    const acc = copyValue(value, c.call) as NumericArray;
    halvingDoublingInto(c, acc, op, f);
    result = acc;
  } else if (ring) result = allreduceRing(c, value as NumericArray, op, f);
  else if (typed) {
    result = allreduceTyped(c, value, op);
    if (result === null) f.failed = true;
  } else {
    const own = op.family === "user" ? copyValue(value, c.call) : value;
    result = allreduceRecursiveDoubling(c, f, own, T_ALLREDUCE, null, op);
  }
  if (op.family === "user") settle(c, f, value, op, counts);
  else if (f.failed) raise(c, f, value, op, strict, counts);
  return result === value ? copyValue(result, c.call) : result;
}

/**
 * True when the ring can reduce `value` with `op` on `size` ranks: a typed
 * array of at least one element per rank, and an op it may apply to pieces
 * in ring order (commutative and element-wise).
 */
export function ringServes(size: number, value: unknown, op: Op): value is NumericArray {
  return isNumericArray(value) && op.commutative &&
    (op.family === "user" ? op.elementwise === true : op.elementwise !== false) && elementCount(value) >= size;
}

// The element-wise read-modify-writes of one-sided accumulate, fetchAndOp
// and compareAndSwap (window.ts). On integer windows each element is one
// atomic operation (Atomics.add/and/or/xor/exchange, else a
// compare-exchange loop), so no update is lost however many ranks
// accumulate at once; floating-point windows have no atomic arithmetic in
// JavaScript, so their callers hold the target's mutex (_window_sync.ts) and
// these run as plain loads and stores. An operand is converted to the
// element type first (through `one`, a one-element array of that type), as
// a store into the window would convert it, wherever the op compares or
// combines it itself (Atomics.add and the like convert it the same way).

import type { Op } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";

/** The typed arrays that `Atomics` operates on. */
export type AtomicArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** True when `a`'s elements can be updated with `Atomics` (integer arrays other than Uint8ClampedArray). */
export function isAtomic(a: NumericArray): a is AtomicArray {
  return !(a instanceof Float64Array || a instanceof Float32Array || a instanceof Uint8ClampedArray);
}

type Scalar = number | bigint;

/** `op` of two elements (the target's `a`, the origin's `b`), as the element type stores it. */
function apply(op: Op, a: Scalar, b: Scalar, int32: boolean): Scalar {
  switch (op.name) {
    case "SUM":
      return (a as number) + (b as number);
    case "PROD": // Math.imul keeps the low 32 bits exact, where a double product of two 32-bit integers may not
      return int32 ? Math.imul(a as number, b as number) : (a as number) * (b as number);
    case "MAX":
      return b > a ? b : a;
    case "MIN":
      return b < a ? b : a;
    case "REPLACE":
      return b;
    case "NO_OP":
      return a;
    default: {
      const v = op.fn(a, b); // logical (boolean) and bitwise ops
      return typeof v === "boolean" ? (typeof a === "bigint" ? BigInt(v) : Number(v)) : v;
    }
  }
}

/** Applies `op` to element `i` of `a` with operand `b` atomically; returns the element's previous value. */
export function rmwAtomic(a: AtomicArray, i: number, b: Scalar, op: Op, one: AtomicArray): Scalar {
  const x = a as Int32Array; // the Atomics calls take every AtomicArray; one type keeps TypeScript's overloads quiet
  const v = b as number;
  switch (op.name) {
    case "SUM":
      return Atomics.add(x, i, v);
    case "BAND":
      return Atomics.and(x, i, v);
    case "BOR":
      return Atomics.or(x, i, v);
    case "BXOR":
      return Atomics.xor(x, i, v);
    case "REPLACE":
      return Atomics.exchange(x, i, v);
    case "NO_OP":
      return Atomics.load(x, i);
  }
  const int32 = !(a instanceof BigInt64Array || a instanceof BigUint64Array);
  one[0] = v;
  const w = one[0]; // MAX of a Uint32 and -1 compares 4294967295, as the window stores it
  for (;;) {
    const old = Atomics.load(x, i);
    if (Atomics.compareExchange(x, i, old, apply(op, old, w, int32) as number) === old) return old;
  }
}

/** Applies `op` to element `i` of `a` with operand `b` (the caller holds the target's mutex); returns the previous value. */
export function rmwPlain(a: NumericArray, i: number, b: Scalar, op: Op, one: NumericArray): Scalar {
  one[0] = b as never;
  const old = a[i];
  a[i] = apply(op, old, one[0], false) as never;
  return old;
}

/** Atomic compare-and-swap of element `i`: stores `value` if it equals `compare`; returns the previous value. */
export function casAtomic(a: AtomicArray, i: number, value: Scalar, compare: Scalar): Scalar {
  return Atomics.compareExchange(a as Int32Array, i, compare as number, value as number);
}

/**
 * Compare-and-swap of element `i` of a floating-point array (the caller
 * holds the mutex): equal as MPI compares, bit for bit, so NaN matches NaN
 * and −0 does not match +0 (`Object.is`).
 */
export function casPlain(a: NumericArray, i: number, value: Scalar, compare: Scalar, one: NumericArray): Scalar {
  const old = a[i];
  one[0] = compare as never; // as the element type stores it (Float32 rounds, Uint8Clamped clamps)
  if (Object.is(old, one[0])) a[i] = value as never;
  return old;
}

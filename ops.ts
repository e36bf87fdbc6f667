/**
 * Reduction operations: `SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR,
 * BXOR, MAXLOC, MINLOC, REPLACE, NO_OP`, and user operations.
 *
 * Built-in ops apply to numbers, bigints, and element-wise to typed arrays
 * and arrays of numbers; the logical ops give booleans on booleans (and 0/1
 * on numbers); MAXLOC/MINLOC take `[value, index]` pairs (mpi4py's form):
 * values compare as in mpi4py (numbers, bigints and strings naturally,
 * arrays and typed arrays lexicographically, a prefix before the longer
 * array), ties go to the lower index. A user op is a plain function
 * `(a, b) => c`, assumed associative and *not* commutative: algorithms then
 * combine strictly in rank order, `a` from the lower ranks. `createOp(fn, {
 * commutative: true })` lets algorithms reorder it; `elementwise: true`
 * lets them apply it to pieces of a typed array.
 *
 * A user op may modify and return either operand (the MPI style): the
 * algorithms only pass it values they own, never the caller's input.
 * Built-in ops never modify their operands; `combine` returns a new value,
 * and `combineInto` accumulates into a typed array the algorithm owns.
 *
 * @module
 */

import { describe, SpmdError } from "./errors.ts";
import { isIntegerKind, isNumericArray, type NumericArray, typedKind } from "./transport/typed.ts";
import { detachedWhy } from "./transport/codec.ts";

/**
 * A reduction operation. An op is also a function of two operands, as
 * mpi4py's are: `SUM(2, 3)` is 5, `MAX(a, b)` of two typed arrays is their
 * element-wise maximum. Calling a built-in op on operands it cannot combine
 * throws an SpmdError (`MPI_ERR_OP`).
 *
 * @example
 * ```ts
 * import { MAX, type Op, SUM } from "@spmd/spmd";
 * import { deepEqual, equal, throws } from "node:assert/strict";
 *
 * const ops: Op[] = [SUM, MAX];
 * deepEqual(ops.map((op) => op(2, 3)), [5, 3]);
 * deepEqual(MAX(new Int32Array([1, 5]), new Int32Array([4, 2])), new Int32Array([4, 5]));
 * equal(SUM.name, "SUM");
 * equal(SUM.commutative, true);
 * throws(() => SUM(1, 2n), { code: "MPI_ERR_OP" });
 * ```
 */
export interface Op<T = any> {
  /** Combines `a` (lower ranks) and `b` (higher ranks), as a reduction does. */
  (a: T, b: T): T;
  /** Name for messages, e.g. "SUM". */
  readonly name: string;
  /** True when operands may be combined in any order. */
  readonly commutative: boolean;
  /** @ignore Combines two scalars (built-ins) or two values (user ops). */
  readonly fn: (a: any, b: any) => any;
  /** @ignore Kind of built-in: "arith", "cmp", "logical", "bitwise", "loc", or "user". */
  readonly family: string;
  /**
   * True when the op on two typed arrays is the op on each element, so
   * algorithms may apply it to pieces (built-ins except MAXLOC/MINLOC; user
   * ops created with `elementwise: true`).
   */
  readonly elementwise?: boolean;
}

/** An op: a function that combines its two operands, carrying its properties. */
function makeOp(
  props: { name: string; commutative: boolean; fn: (a: any, b: any) => any; family: string; elementwise: boolean },
): Op {
  const self = ((a: unknown, b: unknown) => combine(props.name, self, a, b)) as Op;
  for (const [k, v] of Object.entries(props)) Object.defineProperty(self, k, { value: v, enumerable: true });
  return Object.freeze(self);
}

function op(name: string, family: string, fn: (a: any, b: any) => any): Op {
  return makeOp({ name, commutative: true, fn, family, elementwise: family !== "loc" });
}

/**
 * Sum.
 *
 * @example
 * ```ts
 * import { SUM, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(SUM(2, 3), 5);
 * equal(comm.allreduce(comm.rank + 1, SUM), (comm.size * (comm.size + 1)) / 2);
 * ```
 */
export const SUM: Op = op("SUM", "arith", (a, b) => a + b);
/**
 * Product (32-bit integer arrays wrap as in C).
 *
 * @example
 * ```ts
 * import { PROD, world } from "@spmd/spmd";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * deepEqual(PROD(new Int32Array([2, 3]), new Int32Array([4, 5])), new Int32Array([8, 15]));
 * const comm = world();
 * equal(comm.allreduce(2, PROD), 2 ** comm.size);
 * ```
 */
export const PROD: Op = op("PROD", "arith", (a, b) => a * b);
/**
 * Maximum.
 *
 * @example
 * ```ts
 * import { MAX, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(MAX(3n, 7n), 7n);
 * equal(comm.allreduce(10 * comm.rank, MAX), 10 * (comm.size - 1));
 * ```
 */
export const MAX: Op = op("MAX", "cmp", (a, b) => (b > a ? b : a));
/**
 * Minimum.
 *
 * @example
 * ```ts
 * import { MIN, world } from "@spmd/spmd";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(comm.allreduce(comm.rank - 1, MIN), -1);
 * deepEqual(comm.allreduce([comm.rank, -comm.rank], MIN), [0, 1 - comm.size]); // element-wise
 * ```
 */
export const MIN: Op = op("MIN", "cmp", (a, b) => (b < a ? b : a));
/**
 * Logical and: booleans on booleans, 0/1 on numbers.
 *
 * @example
 * ```ts
 * import { LAND, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(LAND(true, false), false);
 * equal(LAND(2, 3), 1);
 * equal(comm.allreduce(comm.rank >= 0, LAND), true); // every rank agrees
 * ```
 */
export const LAND: Op = op("LAND", "logical", (a, b) => !!a && !!b);
/**
 * Logical or: booleans on booleans, 0/1 on numbers.
 *
 * @example
 * ```ts
 * import { LOR, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(LOR(0, 0), 0);
 * equal(comm.allreduce(comm.rank === comm.size - 1, LOR), true); // some rank says yes
 * ```
 */
export const LOR: Op = op("LOR", "logical", (a, b) => !!a || !!b);
/**
 * Logical exclusive or: booleans on booleans, 0/1 on numbers.
 *
 * @example
 * ```ts
 * import { LXOR, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(LXOR(true, true), false);
 * equal(comm.allreduce(true, LXOR), comm.size % 2 === 1); // odd number of trues
 * ```
 */
export const LXOR: Op = op("LXOR", "logical", (a, b) => !!a !== !!b);
/**
 * Bitwise and (32-bit integers, bigints, integer typed arrays).
 *
 * @example
 * ```ts
 * import { BAND, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(BAND(0b1100, 0b1010), 0b1000);
 * equal(comm.allreduce(0b0110 | (1 << comm.rank), BAND), comm.size === 1 ? 0b0111 : 0b0110);
 * ```
 */
export const BAND: Op = op("BAND", "bitwise", (a, b) => a & b);
/**
 * Bitwise or (32-bit integers, bigints, integer typed arrays).
 *
 * @example
 * ```ts
 * import { BOR, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(BOR(0b1100, 0b1010), 0b1110);
 * equal(comm.allreduce(1 << comm.rank, BOR), 2 ** comm.size - 1); // one bit per rank
 * ```
 */
export const BOR: Op = op("BOR", "bitwise", (a, b) => a | b);
/**
 * Bitwise exclusive or (32-bit integers, bigints, integer typed arrays).
 *
 * @example
 * ```ts
 * import { BXOR, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(BXOR(0b1100, 0b1010), 0b0110);
 * equal(comm.allreduce(1n, BXOR), BigInt(comm.size % 2));
 * ```
 */
export const BXOR: Op = op("BXOR", "bitwise", (a, b) => a ^ b);
/**
 * `[value, index]` with the largest value; ties go to the lower index.
 * Values are numbers, bigints, strings, or arrays / typed arrays of them,
 * compared lexicographically.
 *
 * @example
 * ```ts
 * import { MAXLOC, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * deepEqual(MAXLOC([5, 3], [5, 1]), [5, 1]); // a tie: the lower index
 * const load = 10 * comm.rank;
 * deepEqual(comm.allreduce([load, comm.rank], MAXLOC), [10 * (comm.size - 1), comm.size - 1]);
 * ```
 */
export const MAXLOC: Op = op("MAXLOC", "loc", (a, b) => pickLoc("MAXLOC", 1, a, b));
/**
 * `[value, index]` with the smallest value; ties go to the lower index (values as for {@linkcode MAXLOC}).
 *
 * @example
 * ```ts
 * import { MINLOC, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * deepEqual(MINLOC(["b", 0], ["a", 1]), ["a", 1]); // strings compare too
 * deepEqual(comm.allreduce([comm.size - comm.rank, comm.rank], MINLOC), [1, comm.size - 1]);
 * ```
 */
export const MINLOC: Op = op("MINLOC", "loc", (a, b) => pickLoc("MINLOC", -1, a, b));
/**
 * Keeps the later operand (MPI_REPLACE): a reduction returns the highest
 * rank's value, a scan gives each rank its own. Any value; element-wise on
 * arrays. Not commutative, so algorithms combine in rank order.
 *
 * @example
 * ```ts
 * import { REPLACE, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(comm.allreduce(`from ${comm.rank}`, REPLACE), `from ${comm.size - 1}`);
 * equal(comm.scan(comm.rank, REPLACE), comm.rank);
 * ```
 */
export const REPLACE: Op = makeOp({
  name: "REPLACE",
  commutative: false,
  fn: (_a: unknown, b: unknown) => b,
  family: "user",
  elementwise: true,
});
/**
 * Keeps the earlier operand (MPI_NO_OP): a reduction returns rank 0's value, as does every rank's scan.
 *
 * @example
 * ```ts
 * import { NO_OP, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(comm.allreduce(`from ${comm.rank}`, NO_OP), "from 0");
 * equal(comm.scan(comm.rank, NO_OP), 0);
 * ```
 */
export const NO_OP: Op = makeOp({
  name: "NO_OP",
  commutative: false,
  fn: (a: unknown, _b: unknown) => a,
  family: "user",
  elementwise: true,
});

/** The pair that wins: `sign` 1 for the larger value, −1 for the smaller; ties to the lower index. */
function pickLoc(name: string, sign: number, a: [unknown, number], b: [unknown, number]): [unknown, number] {
  const c = compareLoc(name, b[0], a[0]) * sign;
  return c > 0 || (c === 0 && b[1] < a[1]) ? b : a;
}

/** −1, 0 or 1 as `x` is below, equal to or above `y` (mpi4py's order); throws on values of different types. */
function compareLoc(name: string, x: unknown, y: unknown): number {
  const tx = locType(x);
  if (tx !== locType(y) || tx === "") {
    throw new SpmdError(`${name} cannot compare ${describe(x)} with ${describe(y)}`, "MPI_ERR_OP");
  }
  if (tx !== "array") return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  const a = x as ArrayLike<unknown>;
  const b = y as ArrayLike<unknown>;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareLoc(name, a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** The comparison class of a MAXLOC/MINLOC value ("" when it cannot be compared). */
function locType(v: unknown): string {
  const t = typeof v;
  if (t === "number" || t === "bigint" || t === "string") return t;
  return Array.isArray(v) || isNumericArray(v) ? "array" : "";
}

/** Why `v` cannot be a MAXLOC/MINLOC value, or null. */
function locMisfit(v: unknown, depth: number): string | null {
  if (locType(v) === "") return `compares numbers, bigints, strings and arrays of them, not ${describe(v)}`;
  if (Array.isArray(v) && depth < 64) {
    for (const x of v) {
      const why = locMisfit(x, depth + 1);
      if (why !== null) return why;
    }
  }
  return null;
}

/**
 * Options of {@linkcode createOp}.
 *
 * @example
 * ```ts
 * import { createOp, type CreateOpOptions, world } from "@spmd/spmd";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const options: CreateOpOptions = { commutative: true, elementwise: true, name: "absmax" };
 * const absMax = createOp(
 *   (a: Float64Array, b: Float64Array) => a.map((x, i) => Math.max(Math.abs(x), Math.abs(b[i]))),
 *   options,
 * );
 * equal(absMax.name, "absmax");
 * const comm = world();
 * deepEqual(comm.allreduce(new Float64Array([-comm.rank, 1]), absMax), new Float64Array([comm.size - 1, 1]));
 * ```
 */
export interface CreateOpOptions {
  /** True if `fn(a, b)` equals `fn(b, a)`, so algorithms may reorder operands. */
  commutative?: boolean;
  /** Name for error messages. */
  name?: string;
  /**
   * True if, on two typed arrays, `fn` computes each element of the result
   * from the same element of `a` and `b` (and keeps the length), so that
   * algorithms may apply it to pieces of large arrays (a ring allreduce).
   * Leave it false for ops such as sort, top-k or merge.
   */
  elementwise?: boolean;
}

/**
 * Makes a user reduction op from an associative function. Without
 * `commutative: true`, algorithms combine strictly in rank order (`a` from
 * the lower ranks); the function may modify and return either operand.
 *
 * @param fn The reduction `(a, b) => c`, associative.
 * @param options Whether it is commutative or element-wise, and its name.
 * @returns The op, usable wherever a built-in op is (not in one-sided window calls).
 * @throws {SpmdError} `MPI_ERR_OP` if `fn` is not a function.
 *
 * @example
 * ```ts
 * import { createOp, world } from "@spmd/spmd";
 * import { equal, throws } from "node:assert/strict";
 *
 * const comm = world();
 * const concat = createOp((a: string, b: string) => a + b, { commutative: false });
 * equal(comm.allreduce(String(comm.rank), concat), Array.from({ length: comm.size }, (_, i) => i).join(""));
 * throws(() => createOp(42 as never), { code: "MPI_ERR_OP" });
 * ```
 */
export function createOp<T>(fn: (a: T, b: T) => T, options: CreateOpOptions = {}): Op<T> {
  if (typeof fn !== "function") {
    throw new SpmdError(`createOp: fn must be a function, got ${describe(fn)}`, "MPI_ERR_OP");
  }
  return makeOp({
    name: options.name ?? (fn.name || "user op"),
    commutative: options.commutative === true,
    fn,
    family: "user",
    elementwise: options.elementwise === true,
  });
}

/**
 * The `op` argument of a reduction over values of type `T`: a built-in op,
 * one made by `createOp`, or a plain function `(a, b) => c`. `T` is taken
 * from the value alone (`NoInfer`), so a function's parameters get its type,
 * widened from a literal (`allreduce(4, fn)` combines numbers, not 4s).
 *
 * @example
 * ```ts
 * import { type OpArg, SUM, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const longer: OpArg<string> = (a, b) => (b.length > a.length ? b : a); // a plain function
 * equal(comm.allreduce("x".repeat(comm.rank + 1), longer), "x".repeat(comm.size));
 * const sum: OpArg<number> = SUM;
 * equal(comm.allreduce(1, sum), comm.size);
 * ```
 */
export type OpArg<T> =
  | (Omit<Op, never> & ((a: Widened<NoInfer<T>>, b: Widened<NoInfer<T>>) => unknown))
  | ((a: Widened<NoInfer<T>>, b: Widened<NoInfer<T>>) => Widened<NoInfer<T>>);

/**
 * A literal type widened to its primitive (`4` to `number`); other types as they are.
 *
 * @example
 * ```ts
 * import type { Widened } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const n: Widened<4> = 5; // 4 widens to number
 * const s: Widened<"a"> = "bc"; // "a" to string
 * const t: Widened<Int32Array> = new Int32Array(3); // other types as they are
 * equal(n + s.length + t.length, 10);
 * ```
 */
export type Widened<T> = T extends number ? number
  : T extends string ? string
  : T extends bigint ? bigint
  : T extends boolean ? boolean
  : T;

/** True for an op (built-in or made by `createOp`), as opposed to a plain function. */
function isOp(o: unknown): o is Op {
  return typeof o === "function" && typeof (o as Op).fn === "function" && typeof (o as Op).family === "string";
}

const userOps = new WeakMap<(...a: any[]) => any, Op>();

/** Normalises an `op` argument (an Op or a plain function); throws naming `call` otherwise. */
export function toOp(call: string, o: unknown): Op {
  if (isOp(o)) return o;
  if (typeof o === "function") {
    let u = userOps.get(o as (...a: any[]) => any);
    if (u === undefined) {
      u = createOp(o as (a: unknown, b: unknown) => unknown);
      userOps.set(o as (...a: any[]) => any, u);
    }
    return u;
  }
  throw new SpmdError(`${call}: op must be SUM, MAX, ... or a function (a, b) => c, got ${describe(o)}`, "MPI_ERR_OP");
}

/** This rank's input error for a reduction with `op` (message and code), or null; collectives pass it on. */
export function misfit(op: Op, value: unknown): { message: string; code: string } | null {
  const gone = ArrayBuffer.isView(value) ? detachedWhy(value) : null;
  if (gone !== null) return { message: gone, code: "MPI_ERR_BUFFER" };
  const message = opMisfit(op, value);
  return message === null ? null : { message, code: "MPI_ERR_OP" };
}

/**
 * Why `op` does not apply to `value` (a message without the call's name),
 * or null when it does: checked before any communication. Collectives pass
 * it on instead of throwing at once, so that every rank learns of an input
 * that only some ranks got wrong and all throw the same error.
 */
export function opMisfit(op: Op, value: unknown): string | null {
  if (op.family === "user") return null;
  const bad = (why: string): string => `${op.name} ${why}, got ${describe(value)}`;
  if (op.family === "loc") {
    if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== "number") {
      return bad("takes a [value, index] pair");
    }
    const why = locMisfit(value[0], 0);
    return why === null ? null : `${op.name} ${why}`;
  }
  if (typeof value === "number") {
    if (op.family === "bitwise" && !(Number.isInteger(value) && value >= -0x80000000 && value <= 0xffffffff)) {
      return bad("needs 32-bit integers (or bigints)");
    }
    return null;
  }
  if (typeof value === "bigint") return null;
  if (typeof value === "boolean") {
    return op.family !== "logical" ? bad("does not apply to booleans (use LAND, LOR or LXOR)") : null;
  }
  if (isNumericArray(value)) {
    if (op.family === "bitwise" && !isIntegerKind(typedKind(value))) {
      return bad(`does not apply to ${value.constructor.name}`);
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (const x of value) {
      if (typeof x !== "number" && typeof x !== "bigint" && typeof x !== "boolean") {
        return bad("applies element-wise to arrays of numbers, bigints or booleans");
      }
      if (typeof x === "boolean" && op.family !== "logical") return bad("does not apply to booleans");
      if (op.family === "bitwise" && typeof x === "number" && !Number.isInteger(x)) return bad("needs integers");
    }
    return null;
  }
  return bad("applies to numbers, bigints, booleans, typed arrays and arrays of numbers");
}

function scalar(call: string, op: Op, a: unknown, b: unknown): unknown {
  if (typeof a !== typeof b) {
    throw new SpmdError(
      `${call}: ${op.name} cannot combine ${typeof a} ${describe(a)} with ${typeof b} ${describe(b)}`,
      "MPI_ERR_OP",
    );
  }
  const r = op.fn(a, b);
  if (op.family === "logical" && typeof a === "number") return r ? 1 : 0;
  if (op.family === "bitwise" && typeof a === "number") return (a < 0 || b as number < 0) ? r : r >>> 0;
  return r;
}

/** Combines `a` (lower ranks) and `b` (higher ranks) into a new value. */
export function combine(call: string, op: Op, a: unknown, b: unknown): unknown {
  if (op.family === "user") return op.fn(a, b);
  if (op.family === "loc") {
    try {
      return op.fn(a, b);
    } catch (e) {
      if (e instanceof SpmdError) throw new SpmdError(`${call}: ${e.message}`, e.code);
      throw e;
    }
  }
  if (isNumericArray(a)) {
    if (!isNumericArray(b) || b.constructor !== a.constructor || b.length !== a.length) {
      throw new SpmdError(`${call}: ${op.name} cannot combine ${describe(a)} with ${describe(b)}`, "MPI_ERR_OP");
    }
    const out = new (a.constructor as new (n: number) => NumericArray)(a.length);
    out.set(a as any);
    combineInto(call, op, out, b);
    return out;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || b.length !== a.length) {
      throw new SpmdError(
        `${call}: ${op.name} needs arrays of equal length, got ${a.length} and ${
          Array.isArray(b) ? b.length : describe(b)
        }`,
        "MPI_ERR_OP",
      );
    }
    const out = new Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = scalar(call, op, a[i], b[i]);
    return out;
  }
  return scalar(call, op, a, b);
}

/** Accumulates `b` into `acc` element-wise (`acc = acc op b`); both typed arrays of one type and length. */
export function combineInto(call: string, op: Op, acc: NumericArray, b: NumericArray): void {
  const n = acc.length;
  const x = acc as Float64Array;
  const y = b as Float64Array;
  if (b.length !== n) {
    throw new SpmdError(`${call}: ${op.name} needs arrays of equal length, got ${n} and ${b.length}`, "MPI_ERR_OP");
  }
  switch (op) {
    case SUM:
      for (let i = 0; i < n; i++) x[i] += y[i];
      return;
    case PROD:
      if (acc instanceof Int32Array || acc instanceof Uint32Array) {
        // 32-bit products wrap as in C: a double product past 2^53 would lose the low bits.
        for (let i = 0; i < n; i++) x[i] = Math.imul(x[i], y[i]);
      } else for (let i = 0; i < n; i++) x[i] *= y[i];
      return;
    case MAX:
      for (let i = 0; i < n; i++) if (y[i] > x[i]) x[i] = y[i];
      return;
    case MIN:
      for (let i = 0; i < n; i++) if (y[i] < x[i]) x[i] = y[i];
      return;
  }
  const big = acc instanceof BigInt64Array || acc instanceof BigUint64Array;
  if (op.family === "logical") {
    const one = big ? 1n : 1;
    const zero = big ? 0n : 0;
    for (let i = 0; i < n; i++) (x as any)[i] = op.fn(x[i], y[i]) ? one : zero;
    return;
  }
  if (op.family === "bitwise") {
    for (let i = 0; i < n; i++) x[i] = op.fn(x[i], y[i]);
    return;
  }
  if (op.family === "user") {
    const r = op.fn(acc, b) as NumericArray;
    if (!ArrayBuffer.isView(r) || r.length !== n) {
      throw new SpmdError(`${call}: user op ${op.name} must return a typed array of length ${n}`, "MPI_ERR_OP");
    }
    if (r !== acc) acc.set(r as any);
    return;
  }
  throw new SpmdError(`${call}: ${op.name} does not apply to ${acc.constructor.name}`, "MPI_ERR_OP");
}

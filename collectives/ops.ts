/**
 * Reduction operations: `SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR,
 * BXOR, MAXLOC, MINLOC`, and user operations.
 *
 * Built-in ops apply to numbers, bigints, and element-wise to typed arrays
 * and arrays of numbers; the logical ops give booleans on booleans (and 0/1
 * on numbers); MAXLOC/MINLOC take `[value, index]` pairs (mpi4py's form)
 * and break ties toward the lower index. A user op is a plain function
 * `(a, b) => c`, assumed associative and *not* commutative: algorithms then
 * combine strictly in rank order, `a` from the lower ranks. `createOp(fn, {
 * commutative: true })` lets algorithms reorder it.
 *
 * Ops never modify their inputs; `combine` returns a new value, and
 * `combineInto` accumulates into a typed array the algorithm owns.
 *
 * @module
 */

import { describe, SpmdError } from "../errors.ts";

/** A typed array of numbers or bigints. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A reduction operation. */
export interface Op {
  /** Name for messages, e.g. "SUM". */
  readonly name: string;
  /** True when operands may be combined in any order. */
  readonly commutative: boolean;
  /** @internal Combines two scalars (built-ins) or two values (user ops). */
  readonly fn: (a: any, b: any) => any;
  /** @internal Kind of built-in: "arith", "cmp", "logical", "bitwise", "loc", or "user". */
  readonly family: string;
}

function op(name: string, family: string, fn: (a: any, b: any) => any): Op {
  return Object.freeze({ name, commutative: true, fn, family });
}

/** Sum. */
export const SUM: Op = op("SUM", "arith", (a, b) => a + b);
/** Product. */
export const PROD: Op = op("PROD", "arith", (a, b) => a * b);
/** Maximum. */
export const MAX: Op = op("MAX", "cmp", (a, b) => (b > a ? b : a));
/** Minimum. */
export const MIN: Op = op("MIN", "cmp", (a, b) => (b < a ? b : a));
/** Logical and. */
export const LAND: Op = op("LAND", "logical", (a, b) => !!a && !!b);
/** Logical or. */
export const LOR: Op = op("LOR", "logical", (a, b) => !!a || !!b);
/** Logical exclusive or. */
export const LXOR: Op = op("LXOR", "logical", (a, b) => !!a !== !!b);
/** Bitwise and. */
export const BAND: Op = op("BAND", "bitwise", (a, b) => a & b);
/** Bitwise or. */
export const BOR: Op = op("BOR", "bitwise", (a, b) => a | b);
/** Bitwise exclusive or. */
export const BXOR: Op = op("BXOR", "bitwise", (a, b) => a ^ b);
/** `[value, index]` with the largest value; ties go to the lower index. */
export const MAXLOC: Op = op("MAXLOC", "loc", (a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a));
/** `[value, index]` with the smallest value; ties go to the lower index. */
export const MINLOC: Op = op("MINLOC", "loc", (a, b) => (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a));

/** Options of {@linkcode createOp}. */
export interface CreateOpOptions {
  /** True if `fn(a, b)` equals `fn(b, a)`, so algorithms may reorder operands. */
  commutative?: boolean;
  /** Name for error messages. */
  name?: string;
}

/**
 * Makes a user reduction op from an associative function.
 *
 * @example
 * ```ts
 * import { createOp, world } from "@spmd/spmd";
 * const concat = createOp((a: string, b: string) => a + b, { commutative: false });
 * console.log(world().allreduce(String(world().rank), concat)); // "0" on 1 rank
 * ```
 */
export function createOp<T>(fn: (a: T, b: T) => T, options: CreateOpOptions = {}): Op {
  if (typeof fn !== "function") {
    throw new SpmdError(`createOp: fn must be a function, got ${describe(fn)}`, "MPI_ERR_OP");
  }
  return Object.freeze({
    name: options.name ?? (fn.name || "user op"),
    commutative: options.commutative === true,
    fn,
    family: "user",
  });
}

const userOps = new WeakMap<(...a: any[]) => any, Op>();

/** Normalises an `op` argument (an Op or a plain function); throws naming `call` otherwise. */
export function toOp(call: string, o: unknown): Op {
  if (typeof o === "function") {
    let u = userOps.get(o as (...a: any[]) => any);
    if (u === undefined) {
      u = createOp(o as (a: unknown, b: unknown) => unknown);
      userOps.set(o as (...a: any[]) => any, u);
    }
    return u;
  }
  if (o !== null && typeof o === "object" && typeof (o as Op).fn === "function" && "family" in o) return o as Op;
  throw new SpmdError(`${call}: op must be SUM, MAX, ... or a function (a, b) => c, got ${describe(o)}`, "MPI_ERR_OP");
}

const INT_ARRAYS = new Set<unknown>([
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
]);

function isNumericArray(v: unknown): v is NumericArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * Checks, before any communication, that `op` applies to `value`, so that
 * every rank fails at once with the same message rather than hanging.
 */
export function checkOpFits(call: string, op: Op, value: unknown): void {
  if (op.family === "user") return;
  const bad = (why: string): never => {
    throw new SpmdError(`${call}: ${op.name} ${why}, got ${describe(value)}`, "MPI_ERR_OP");
  };
  if (op.family === "loc") {
    if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== "number") bad("takes a [value, index] pair");
    return;
  }
  if (typeof value === "number") {
    if (op.family === "bitwise" && !(Number.isInteger(value) && value >= -0x80000000 && value <= 0xffffffff)) {
      bad("needs 32-bit integers (or bigints)");
    }
    return;
  }
  if (typeof value === "bigint") {
    if (op.family === "logical") return;
    return;
  }
  if (typeof value === "boolean") {
    if (op.family !== "logical") bad("does not apply to booleans (use LAND, LOR or LXOR)");
    return;
  }
  if (isNumericArray(value)) {
    if (op.family === "bitwise" && !INT_ARRAYS.has(value.constructor)) {
      bad(`does not apply to ${value.constructor.name}`);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const x of value) {
      if (typeof x !== "number" && typeof x !== "bigint" && typeof x !== "boolean") {
        bad("applies element-wise to arrays of numbers, bigints or booleans");
      }
      if (typeof x === "boolean" && op.family !== "logical") bad("does not apply to booleans");
      if (op.family === "bitwise" && typeof x === "number" && !Number.isInteger(x)) bad("needs integers");
    }
    return;
  }
  bad("applies to numbers, bigints, booleans, typed arrays and arrays of numbers");
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
  if (op.family === "user" || op.family === "loc") return op.fn(a, b);
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
      for (let i = 0; i < n; i++) x[i] *= y[i];
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

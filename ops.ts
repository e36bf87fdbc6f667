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
import { combine, pickLoc } from "./_combine.ts";
import type { Op } from "./_op_type.ts";

export type { Op, OpArg, Widened } from "./_op_type.ts";
export { combine, combineInto, misfit, opMisfit } from "./_combine.ts";

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

// How ops combine values: element-wise on typed arrays and arrays,
// MAXLOC/MINLOC's comparisons, and whether an op applies to a value
// (`misfit`). The ops themselves are defined in ops.ts.

import { describe, SpmdError } from "./errors.ts";
import { elementCount, isIntegerKind, isNumericArray, type NumericArray, typedKind } from "./transport/typed.ts";
import { detachedWhy } from "./transport/codec.ts";
import type { Op } from "./_op_type.ts";

/** The pair that wins: `sign` 1 for the larger value, −1 for the smaller; ties to the lower index. */
export function pickLoc(name: string, sign: number, a: [unknown, number], b: [unknown, number]): [unknown, number] {
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
  // Not `length` (elementCount): under Maglev a loop to `acc.length` over 2^31 bytes ran no iteration.
  const n = elementCount(acc);
  const bn = elementCount(b);
  const x = acc as Float64Array;
  const y = b as Float64Array;
  if (bn !== n) {
    throw new SpmdError(`${call}: ${op.name} needs arrays of equal length, got ${n} and ${bn}`, "MPI_ERR_OP");
  }
  // The built-in arithmetic and comparison ops (only they have these families and names; a user op's family is "user").
  switch (op.family === "arith" || op.family === "cmp" ? op.name : "") {
    case "SUM":
      for (let i = 0; i < n; i++) x[i] += y[i];
      return;
    case "PROD":
      if (acc instanceof Int32Array || acc instanceof Uint32Array) {
        // 32-bit products wrap as in C: a double product past 2^53 would lose the low bits.
        for (let i = 0; i < n; i++) x[i] = Math.imul(x[i], y[i]);
      } else for (let i = 0; i < n; i++) x[i] *= y[i];
      return;
    case "MAX":
      for (let i = 0; i < n; i++) if (y[i] > x[i]) x[i] = y[i];
      return;
    case "MIN":
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
    if (!ArrayBuffer.isView(r) || elementCount(r) !== n) {
      throw new SpmdError(`${call}: user op ${op.name} must return a typed array of length ${n}`, "MPI_ERR_OP");
    }
    if (r !== acc) acc.set(r as any);
    return;
  }
  throw new SpmdError(`${call}: ${op.name} does not apply to ${acc.constructor.name}`, "MPI_ERR_OP");
}

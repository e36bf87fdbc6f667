// The types of reduction ops (`Op`, and `OpArg`, what a reduction's `op`
// argument accepts): shared by ops.ts, which defines the ops, and
// _combine.ts, which applies them.

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

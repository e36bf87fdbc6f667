// {@linkcode WindowAccess}: a shared window's one-sided operations (put,
// get, accumulate, getAccumulate, fetchAndOp, compareAndSwap), on the
// segments and epochs of `WindowEpochs` (_window_epochs.ts); `SharedWindow`
// (window.ts) adds the collective calls. Epoch rules are MPI's; see window.ts.

import { describe, SpmdError } from "./errors.ts";
import { NO_OP, type Op, REPLACE, SUM, toOp } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";
import type { WindowLocks } from "./_window_sync.ts";
import { WindowEpochs } from "./_window_epochs.ts";
import { type AtomicArray, casAtomic, casPlain, isAtomic, rmwAtomic, rmwPlain } from "./_window_rmw.ts";

/**
 * The one-sided operations of a shared window (on the segments and epochs
 * of {@linkcode WindowEpochs}; {@linkcode SharedWindow} adds the collective
 * calls `fence` and `free`). One-sided calls need an access epoch on their target
 * (`fence`, `lock` or `lockAll`); see the module doc of window.ts.
 *
 * @example
 * ```ts
 * import { MAX, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0);
 * win.fence();
 * win.accumulate([comm.rank], 0, 0, MAX); // into rank 0's element 0
 * win.fence();
 * equal(win.all[0], comm.size - 1);
 * win.free();
 * ```
 */
export class WindowAccess<A extends NumericArray> extends WindowEpochs<A> {
  readonly #atomic: boolean;
  readonly #big: boolean;
  /** One element of the window's type: operands are converted through it, as a store into the window would. */
  readonly #one: A;
  /** `all`'s buffer and byte offset (accessors of a view over a growable buffer are not free). */
  readonly #buffer: ArrayBufferLike;
  readonly #base: number;

  /** @ignore */
  constructor(all: A, starts: readonly number[], locks: WindowLocks) {
    super(all, starts, locks);
    this.#atomic = isAtomic(all);
    this.#big = all instanceof BigInt64Array || all instanceof BigUint64Array;
    this.#one = new (all.constructor as new (n: number) => A)(1);
    this.#buffer = all.buffer;
    this.#base = all.byteOffset;
  }

  // ---- one-sided calls ---------------------------------------------------------

  /**
   * Copies `source` into rank `target`'s segment from element `offset`
   * (MPI_Put), converted to the window's type as a store would; complete at
   * the end of the epoch (or a `flush`).
   *
   * @param source The data: an array of the window's type, an array of numbers (bigints for a BigInt window), or one number or bigint.
   * @param target The rank whose segment is written.
   * @param offset The first element written, in `target`'s segment.
   * @throws {SpmdError} `MPI_ERR_RANK` if `target` is not a rank; `MPI_ERR_RMA_SYNC` if no access epoch is open on `target`; `MPI_ERR_TYPE` if `source` is neither; `MPI_ERR_RMA_RANGE` if the elements do not lie in `target`'s segment; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Float64Array, 1);
   * const next = (comm.rank + 1) % comm.size;
   * win.fence();
   * win.put([comm.rank + 0.5], next, 0); // into the next rank's segment
   * win.fence();
   * equal(win.local[0], (comm.rank - 1 + comm.size) % comm.size + 0.5);
   * win.free();
   * ```
   */
  put(source: A | ArrayLike<number | bigint> | number | bigint, target: number, offset: number): void {
    const src = this.#single(source);
    const at = this.#range("put", src, target, offset);
    this.began();
    (this.all as Float64Array).set(src as ArrayLike<number>, at);
  }

  /**
   * Copies `dest.length` elements of rank `target`'s segment from element
   * `offset` into `dest` (MPI_Get); `dest` holds them at the end of the epoch
   * (or a `flush`).
   *
   * @param dest Where the elements go: an array of the window's type.
   * @param target The rank whose segment is read.
   * @param offset The first element read, in `target`'s segment.
   * @throws {SpmdError} `MPI_ERR_RANK` if `target` is not a rank; `MPI_ERR_RMA_SYNC` if no access epoch is open on `target`; `MPI_ERR_TYPE` if `dest` is not of the window's type; `MPI_ERR_RMA_RANGE` if the elements do not lie in `target`'s segment; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 3);
   * win.local.set([comm.rank, comm.rank + 1, comm.rank + 2]);
   * win.fence();
   * const last = comm.size - 1;
   * const two = new Int32Array(2);
   * win.get(two, last, 1); // elements 1 and 2 of the last rank's segment
   * win.fence();
   * deepEqual(two, new Int32Array([last + 1, last + 2]));
   * win.free();
   * ```
   */
  get(dest: A, target: number, offset: number): void {
    const at = this.#range("get", dest, target, offset, true);
    this.began();
    (dest as Float64Array).set(this.all.subarray(at, at + dest.length) as Float64Array);
  }

  /**
   * Combines `source` into rank `target`'s segment from element `offset`
   * with `op`, atomically per element (MPI_Accumulate): concurrent
   * accumulates to one element all count.
   *
   * @param source The operands: an array of the window's type, an array of numbers (bigints for a BigInt window), or one number or bigint.
   * @param target The rank whose segment is updated.
   * @param offset The first element updated, in `target`'s segment.
   * @param op A built-in op (default `SUM`), `REPLACE` or `NO_OP`; no user op, MAXLOC or MINLOC; bitwise ops on integer windows only.
   * @throws {SpmdError} `MPI_ERR_RANK` if `target` is not a rank; `MPI_ERR_RMA_SYNC` if no access epoch is open on `target`; `MPI_ERR_TYPE` if `source` is neither; `MPI_ERR_RMA_RANGE` if the elements do not lie in `target`'s segment; `MPI_ERR_OP` if `op` is not one of those; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { SUM, world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Float64Array, comm.rank === 0 ? 2 : 0);
   * win.lockAll();
   * win.accumulate([1, comm.rank], 0, 0, SUM);
   * win.unlockAll();
   * comm.barrier();
   * win.sync();
   * deepEqual(win.all, new Float64Array([comm.size, (comm.size * (comm.size - 1)) / 2]));
   * win.free();
   * ```
   */
  accumulate(
    source: A | ArrayLike<number | bigint> | number | bigint,
    target: number,
    offset: number,
    op: Op = SUM,
  ): void {
    const src = this.#single(source);
    const at = this.#range("accumulate", src, target, offset);
    const o = this.#op("accumulate", op);
    this.began();
    this.#rmw(src, null, at, target, o);
  }

  /**
   * As `accumulate`, and the target's previous elements into `result`
   * (MPI_Get_accumulate), atomically per element; with `NO_OP`, an atomic
   * get.
   *
   * @param source The operands: an array of the window's type, or an array of numbers (bigints for a BigInt window).
   * @param result Where the previous elements go: an array of the window's type, as long as `source`.
   * @param target The rank whose segment is updated.
   * @param offset The first element updated, in `target`'s segment.
   * @param op A built-in op (default `SUM`), `REPLACE` or `NO_OP`; no user op, MAXLOC or MINLOC; bitwise ops on integer windows only.
   * @throws {SpmdError} `MPI_ERR_RANK` if `target` is not a rank; `MPI_ERR_RMA_SYNC` if no access epoch is open on `target`; `MPI_ERR_TYPE` if `source` is neither; `MPI_ERR_BUFFER` if `result` is not of the window's type and `source`'s length; `MPI_ERR_RMA_RANGE` if the elements do not lie in `target`'s segment; `MPI_ERR_OP` if `op` is not one of those; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { NO_OP, SUM, world } from "@spmd/spmd";
   * import { deepEqual, equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0); // a counter on rank 0
   * const before = new Int32Array(1);
   * win.lockAll();
   * win.getAccumulate([1], before, 0, 0, SUM);
   * win.unlockAll();
   * deepEqual(comm.allgather(before[0]).sort((a, b) => a - b), Array.from({ length: comm.size }, (_, i) => i));
   * const now = new Int32Array(1);
   * win.lockAll();
   * win.getAccumulate([0], now, 0, 0, NO_OP); // an atomic read
   * win.unlockAll();
   * equal(now[0], comm.size);
   * win.free();
   * ```
   */
  getAccumulate(source: A | ArrayLike<number | bigint>, result: A, target: number, offset: number, op: Op = SUM): void {
    const at = this.#range("getAccumulate", source, target, offset);
    if (!(result instanceof this.all.constructor) || result.length !== source.length) {
      throw new SpmdError(
        `getAccumulate: result must be a ${this.all.constructor.name} of ${source.length} elements (as source), got ${
          describe(result)
        }`,
        "MPI_ERR_BUFFER",
      );
    }
    const o = this.#op("getAccumulate", op);
    this.began();
    this.#rmw(source, result, at, target, o);
  }

  /**
   * Combines `value` into element `offset` of rank `target`'s segment with
   * `op`, atomically (MPI_Fetch_and_op).
   *
   * @param value The operand: a number (a bigint, or a safe integer, for a BigInt window).
   * @param target The rank whose segment is updated.
   * @param offset The element updated, in `target`'s segment.
   * @param op A built-in op (default `SUM`), `REPLACE` or `NO_OP`; no user op, MAXLOC or MINLOC; bitwise ops on integer windows only.
   * @returns The element's previous value.
   * @throws {SpmdError} `MPI_ERR_TYPE` if `value` does not fit the window's type; `MPI_ERR_RANK` if `target` is not a rank; `MPI_ERR_RMA_SYNC` if no access epoch is open on `target`; `MPI_ERR_RMA_RANGE` if the element does not lie in `target`'s segment; `MPI_ERR_OP` if `op` is not one of those; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { SUM, world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0); // a counter on rank 0
   * win.lockAll();
   * const ticket = win.fetchAndOp(1, 0, 0, SUM); // a unique ticket per rank
   * win.unlockAll();
   * deepEqual(comm.allgather(ticket).sort((a, b) => a - b), Array.from({ length: comm.size }, (_, i) => i));
   * win.free();
   * ```
   */
  fetchAndOp(value: number | bigint, target: number, offset: number, op: Op = SUM): A[number] {
    const v = this.#scalar("fetchAndOp", "value", value);
    const at = this.#range("fetchAndOp", null, target, offset);
    const o = this.#op("fetchAndOp", op);
    this.began();
    if (this.#atomic) return rmwAtomic(this.all as AtomicArray, at, v, o, this.#one as AtomicArray) as A[number];
    this.locks.enter(target);
    try {
      return rmwPlain(this.all, at, v, o, this.#one) as A[number];
    } finally {
      this.locks.leave(target);
    }
  }

  /**
   * Stores `value` in element `offset` of rank `target`'s segment if it
   * equals `compare`, atomically (MPI_Compare_and_swap, whose order of
   * arguments this follows).
   *
   * @param value The value to store.
   * @param compare The value the element must hold for the store to happen.
   * @param target The rank whose segment is updated.
   * @param offset The element, in `target`'s segment.
   * @returns The element's previous value (equal to `compare` when the store happened).
   * @throws {SpmdError} `MPI_ERR_TYPE` if `value` or `compare` does not fit the window's type; `MPI_ERR_RANK` if `target` is not a rank; `MPI_ERR_RMA_SYNC` if no access epoch is open on `target`; `MPI_ERR_RMA_RANGE` if the element does not lie in `target`'s segment; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0); // 0: unclaimed
   * win.lockAll();
   * const old = win.compareAndSwap(comm.rank + 1, 0, 0, 0); // claim it if still unclaimed
   * win.unlockAll();
   * equal(comm.allgather(old === 0).filter((won) => won).length, 1); // exactly one rank won
   * win.free();
   * ```
   */
  compareAndSwap(value: number | bigint, compare: number | bigint, target: number, offset: number): A[number] {
    const v = this.#scalar("compareAndSwap", "value", value);
    const c = this.#scalar("compareAndSwap", "compare", compare);
    const at = this.#range("compareAndSwap", null, target, offset);
    this.began();
    if (this.#atomic) return casAtomic(this.all as AtomicArray, at, v, c) as A[number];
    this.locks.enter(target);
    try {
      return casPlain(this.all, at, v, c, this.#one) as A[number];
    } finally {
      this.locks.leave(target);
    }
  }

  // ---- checks ----------------------------------------------------------------------

  /** A single number (or bigint) as a source of one element, converted for a bigint window; else `v` itself. */
  #single<V>(v: V | number | bigint): V | (number | bigint)[] {
    if (typeof v === "number") return [this.#big && Number.isSafeInteger(v) ? BigInt(v) : v];
    return typeof v === "bigint" ? [v] : v as V;
  }

  /**
   * Checks a one-sided call's target, epoch, `offset` and buffer (`data`,
   * or one element when null); returns the element index in `all`.
   */
  #range(call: string, data: unknown, target: number, offset: number, typedOnly = false): number {
    const start = this.access(call, target);
    let n = 1;
    if (data !== null) {
      const ctor = this.all.constructor;
      if (!(data instanceof ctor) && (typedOnly || !this.#plainArray(data))) {
        throw new SpmdError(
          `${call}: ${typedOnly ? "dest" : "source"} must be a ${ctor.name} (the window's type)${
            typedOnly ? "" : ` or an array of ${this.#big ? "bigints" : "numbers"}`
          }, got ${describe(data)}`,
          "MPI_ERR_TYPE",
        );
      }
      n = (data as ArrayLike<unknown>).length;
    }
    const len = this.lengthOfTarget;
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || offset + n > len) {
      throw new SpmdError(
        `${call}: offset ${describe(offset)} + ${n} element${n === 1 ? "" : "s"} is outside rank ${target}'s segment ` +
          `of ${len} element${len === 1 ? "" : "s"}`,
        "MPI_ERR_RMA_RANGE",
      );
    }
    return start + offset;
  }

  /** True when `data` is an array of numbers (bigints on a BigInt window), without holes. */
  #plainArray(data: unknown): boolean {
    if (!Array.isArray(data)) return false;
    const big = this.#big;
    for (let i = 0; i < data.length; i++) {
      const t = typeof data[i];
      if (big ? t !== "bigint" : t !== "number") return false;
    }
    return true;
  }

  #op(call: string, op: unknown): Op {
    const o = toOp(call, op);
    if ((o.family === "user" && o !== REPLACE && o !== NO_OP) || o.family === "loc") {
      throw new SpmdError(
        `${call}: op must be a built-in op (SUM, PROD, MAX, MIN, the logical and bitwise ops, REPLACE, NO_OP): ` +
          `MPI allows no ${o.family === "loc" ? o.name : "user op"} in one-sided calls`,
        "MPI_ERR_OP",
      );
    }
    if (o.family === "bitwise" && !this.#atomic) {
      throw new SpmdError(`${call}: ${o.name} does not apply to a ${this.all.constructor.name} window`, "MPI_ERR_OP");
    }
    return o;
  }

  /** `v`, checked (the read-modify-writes convert it to the element type). */
  #scalar(call: string, name: string, v: unknown): number | bigint {
    if (this.#big) {
      if (typeof v === "bigint") return v;
      if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    } else if (typeof v === "number") return v;
    throw new SpmdError(
      `${call}: ${name} must be a ${this.#big ? "bigint" : "number"} (the window is a ${this.all.constructor.name}), ` +
        `got ${describe(v)}`,
      "MPI_ERR_TYPE",
    );
  }

  /**
   * `op` of `source` into elements [at, at + n) of `all`, the previous values
   * into `result`, element by element atomically (_window_rmw.ts converts
   * the operands to the element type). A source that overlaps the target
   * (or `result`) is read as it was before the call, and a `result` that
   * overlaps the target is written after it, as if each were a separate
   * buffer.
   */
  #rmw(source: ArrayLike<number | bigint>, result: A | null, at: number, target: number, op: Op): void {
    const all = this.all;
    const n = source.length;
    const buf = this.#buffer;
    const lo = this.#base + at * all.BYTES_PER_ELEMENT;
    const hi = lo + n * all.BYTES_PER_ELEMENT;
    let src = source;
    let res = result;
    if (n > 1) { // (one element is read before it is written: it cannot be misread)
      if (
        ArrayBuffer.isView(source) && (overlaps(source, buf, lo, hi) || (res !== null && overlapsView(source, res)))
      ) {
        src = (source as A).slice() as A;
      }
      if (res !== null && overlaps(res, buf, lo, hi)) res = new (all.constructor as new (n: number) => A)(n);
    }
    const one = this.#one;
    if (this.#atomic) {
      for (let i = 0; i < n; i++) {
        const old = rmwAtomic(all as AtomicArray, at + i, src[i], op, one as AtomicArray);
        if (res !== null) res[i] = old as never;
      }
    } else {
      this.locks.enter(target);
      try {
        for (let i = 0; i < n; i++) {
          const old = rmwPlain(all, at + i, src[i], op, one);
          if (res !== null) res[i] = old as never;
        }
      } finally {
        this.locks.leave(target);
      }
    }
    if (res !== result) (result as Float64Array).set(res as Float64Array);
  }
}

/** True when `v`'s bytes lie (partly) in bytes [lo, hi) of `buffer`. */
function overlaps(v: ArrayBufferView, buffer: ArrayBufferLike, lo: number, hi: number): boolean {
  return v.buffer === buffer && v.byteOffset < hi && v.byteOffset + v.byteLength > lo;
}

/** True when views `a` and `b` share bytes. */
function overlapsView(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return overlaps(a, b.buffer, b.byteOffset, b.byteOffset + b.byteLength);
}

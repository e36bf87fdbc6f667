// {@linkcode WindowAccess}: a shared window's segments, epochs and
// one-sided operations (the local part of `SharedWindow`, window.ts, which
// adds the collective calls). Epoch rules are MPI's; see window.ts.

import { describe, SpmdError } from "./errors.ts";
import { NO_OP, type Op, REPLACE, SUM, toOp } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";
import type { WindowLocks } from "./_window_sync.ts";
import { type AtomicArray, casAtomic, casPlain, isAtomic, rmwAtomic, rmwPlain } from "./_window_rmw.ts";

/**
 * Options of `lock`.
 *
 * @example
 * ```ts
 * import { type LockOptions, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const win = comm.allocateShared(Float64Array, comm.rank === 0 ? 1 : 0); // one counter, on rank 0
 * const exclusive: LockOptions = { exclusive: true };
 * win.lock(0, exclusive); // no other rank holds rank 0's lock meanwhile
 * win.all[0] += 1; // a direct load and store: safe under the exclusive lock
 * win.unlock(0);
 * comm.barrier();
 * win.sync();
 * equal(win.all[0], comm.size);
 * win.free();
 * ```
 */
export interface LockOptions {
  /** Take the lock exclusively (MPI_LOCK_EXCLUSIVE); default shared (MPI_LOCK_SHARED). */
  exclusive?: boolean;
}

const NONE = 0;
const SHARED = 1;
const EXCLUSIVE = 2;

/** Fence states: none; after a fence that no one-sided call followed yet; in an epoch a fence opened. */
const F_NONE = 0;
const F_FENCED = 1;
const F_OPEN = 2;

/**
 * The segments, epochs and one-sided operations of a shared window (the
 * local part of {@linkcode SharedWindow}, which adds the collective calls
 * `fence` and `free`). One-sided calls need an access epoch on their target
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
export class WindowAccess<A extends NumericArray> {
  /** The whole window: every rank's segment, contiguous in rank order. */
  readonly all: A;
  readonly #starts: readonly number[];
  readonly #locks: WindowLocks;
  readonly #rank: number;
  readonly #atomic: boolean;
  readonly #big: boolean;
  /** One element of the window's type: operands are converted through it, as a store into the window would. */
  readonly #one: A;
  /** `all`'s buffer and byte offset (accessors of a view over a growable buffer are not free). */
  readonly #buffer: ArrayBufferLike;
  readonly #base: number;
  /** Lock mode held on each rank (NONE, SHARED, EXCLUSIVE). */
  readonly #held: Uint8Array;
  #heldCount = 0;
  #lockAll = false;
  #fence = F_NONE;
  #freed = false;

  /** @ignore */
  constructor(all: A, starts: readonly number[], locks: WindowLocks, rank: number) {
    this.all = all;
    this.#starts = starts;
    this.#locks = locks;
    this.#rank = rank;
    this.#atomic = isAtomic(all);
    this.#big = all instanceof BigInt64Array || all instanceof BigUint64Array;
    this.#held = new Uint8Array(starts.length - 1);
    this.#one = new (all.constructor as new (n: number) => A)(1);
    this.#buffer = all.buffer;
    this.#base = all.byteOffset;
  }

  /**
   * Rank `r`'s segment (MPI_Win_shared_query): a view of `all`, which this
   * rank may load from and store to directly (within the rules of the
   * module doc: a fence, a lock or `sync()` orders them with other ranks').
   *
   * @param r A rank of the window's communicator.
   * @returns Rank `r`'s elements, a view of `all` (empty when `r` allocated none).
   * @throws {SpmdError} `MPI_ERR_RANK` if `r` is not a rank.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.rank + 1); // rank r has r + 1 elements
   * const last = comm.size - 1;
   * equal(win.segment(last).length, comm.size);
   * equal(win.segment(comm.rank).buffer, win.all.buffer); // the same memory, no copy
   * win.free();
   * ```
   */
  segment(r: number): A {
    this.#checkRank("segment", r);
    return this.all.subarray(this.#starts[r], this.#starts[r + 1]) as A;
  }

  /**
   * Element offset of rank `r`'s segment in `all` (its segments lie
   * contiguously, in rank order).
   *
   * @param r A rank of the window's communicator.
   * @returns The index in `all` of rank `r`'s first element.
   * @throws {SpmdError} `MPI_ERR_RANK` if `r` is not a rank.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Float64Array, 2);
   * equal(win.offsetOf(comm.rank), 2 * comm.rank);
   * win.free();
   * ```
   */
  offsetOf(r: number): number {
    this.#checkRank("offsetOf", r);
    return this.#starts[r];
  }

  // ---- passive-target epochs ---------------------------------------------------

  /**
   * Locks rank `r`'s segment (MPI_Win_lock), opening a passive-target epoch
   * on it: shared by default, `{ exclusive: true }` for exclusive access.
   * Waits while another rank holds a lock that excludes this one.
   *
   * @param r The rank whose segment to lock.
   * @param options `{ exclusive: true }` for an exclusive lock (default shared).
   * @throws {SpmdError} `MPI_ERR_RANK` if `r` is not a rank; `MPI_ERR_ARG` if `options` is not an object or `options.exclusive` is not a boolean; `MPI_ERR_RMA_SYNC` if this rank already locks `r`, a lockAll epoch is open, or a fence epoch is open (one-sided calls since `fence()`); `MPI_ERR_WIN` if the window was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits for the lock.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 1);
   * win.lock(comm.rank, { exclusive: true });
   * win.put([comm.rank + 100], comm.rank, 0);
   * win.unlock(comm.rank);
   * comm.barrier();
   * const next = (comm.rank + 1) % comm.size;
   * const got = new Int32Array(1);
   * win.lock(next); // shared
   * win.get(got, next, 0);
   * win.unlock(next);
   * equal(got[0], next + 100);
   * win.free();
   * ```
   */
  lock(r: number, options: LockOptions = {}): void {
    this.#live("lock");
    this.#checkRank("lock", r);
    if (options === null || typeof options !== "object") {
      throw new SpmdError(
        `lock: options must be an object like { exclusive: true }, got ${describe(options)}`,
        "MPI_ERR_ARG",
      );
    }
    if (options.exclusive !== undefined && typeof options.exclusive !== "boolean") {
      throw new SpmdError(
        `lock: options.exclusive must be a boolean, got ${describe(options.exclusive)}`,
        "MPI_ERR_ARG",
      );
    }
    if (this.#lockAll) throw this.#sync("lock", "a lockAll() epoch is open: unlockAll() first");
    if (this.#held[r] !== NONE) throw this.#sync("lock", `rank ${r} is locked by this rank already`);
    if (this.#fence === F_OPEN) throw this.#sync("lock", "a fence epoch is open (one-sided calls since fence())");
    const exclusive = options.exclusive === true;
    this.#locks.lock(r, exclusive);
    this.#held[r] = exclusive ? EXCLUSIVE : SHARED;
    this.#heldCount++;
    this.#fence = F_NONE;
    this.#locks.sync();
  }

  /**
   * Unlocks rank `r` (MPI_Win_unlock): the one-sided calls to it are
   * complete, and visible to the next rank that locks it.
   *
   * @param r The rank this rank locked.
   * @throws {SpmdError} `MPI_ERR_RANK` if `r` is not a rank; `MPI_ERR_RMA_SYNC` if this rank does not lock `r`; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal, throws } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 1);
   * win.lock(comm.rank);
   * win.put([7], comm.rank, 0);
   * win.unlock(comm.rank); // the put is complete
   * equal(win.local[0], 7);
   * throws(() => win.unlock(comm.rank), { code: "MPI_ERR_RMA_SYNC" }); // not locked any more
   * win.free();
   * ```
   */
  unlock(r: number): void {
    this.#live("unlock");
    this.#checkRank("unlock", r);
    if (this.#held[r] === NONE) throw this.#sync("unlock", `rank ${r} is not locked by this rank`);
    this.#locks.sync();
    this.#locks.unlock(r, this.#held[r] === EXCLUSIVE);
    this.#held[r] = NONE;
    this.#heldCount--;
  }

  /**
   * Locks every rank's segment shared (MPI_Win_lock_all), opening a
   * passive-target epoch on all of them, until `unlockAll()`.
   *
   * @throws {SpmdError} `MPI_ERR_RMA_SYNC` if a lockAll or lock epoch is open already, or a fence epoch is open (one-sided calls since `fence()`); `MPI_ERR_WIN` if the window was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits for a lock.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? comm.size : 0); // all on rank 0
   * win.lockAll();
   * win.put([comm.rank + 1], 0, comm.rank);
   * win.unlockAll();
   * comm.barrier();
   * const seen = new Int32Array(comm.size);
   * win.lockAll();
   * win.get(seen, 0, 0);
   * win.unlockAll();
   * deepEqual(seen, Int32Array.from({ length: comm.size }, (_, i) => i + 1));
   * win.free();
   * ```
   */
  lockAll(): void {
    this.#live("lockAll");
    if (this.#lockAll) throw this.#sync("lockAll", "a lockAll() epoch is open already");
    if (this.#heldCount > 0) throw this.#sync("lockAll", "a lock() epoch is open: unlock first");
    if (this.#fence === F_OPEN) throw this.#sync("lockAll", "a fence epoch is open (one-sided calls since fence())");
    for (let r = 0; r < this.#held.length; r++) this.#locks.lock(r, false);
    this.#lockAll = true;
    this.#fence = F_NONE;
    this.#locks.sync();
  }

  /**
   * Ends a `lockAll()` epoch (MPI_Win_unlock_all): the one-sided calls of
   * the epoch are complete, and visible to ranks that lock afterwards.
   *
   * @throws {SpmdError} `MPI_ERR_RMA_SYNC` if no lockAll epoch is open; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal, throws } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 1);
   * win.lockAll();
   * win.put([5], comm.rank, 0);
   * win.unlockAll(); // the put is complete
   * equal(win.local[0], 5);
   * throws(() => win.unlockAll(), { code: "MPI_ERR_RMA_SYNC" }); // no epoch left to end
   * win.free();
   * ```
   */
  unlockAll(): void {
    this.#live("unlockAll");
    if (!this.#lockAll) throw this.#sync("unlockAll", "no lockAll() epoch is open");
    this.#locks.sync();
    for (let r = 0; r < this.#held.length; r++) this.#locks.unlock(r, false);
    this.#lockAll = false;
  }

  /**
   * Completes the one-sided calls to rank `r` (MPI_Win_flush), within a
   * lock or lockAll epoch: a `get`'s array holds its data, and what was
   * put is visible to ranks that synchronise afterwards.
   *
   * @param r The target rank (locked by this rank, or in a lockAll epoch).
   * @throws {SpmdError} `MPI_ERR_RANK` if `r` is not a rank; `MPI_ERR_RMA_SYNC` if no lock epoch is open on `r`; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0); // a counter on rank 0
   * const n = new Int32Array(1);
   * win.lock(0, { exclusive: true });
   * win.get(n, 0, 0);
   * win.flush(0); // the get is complete: n holds the count
   * win.put([n[0] + 1], 0, 0);
   * win.unlock(0);
   * comm.barrier();
   * win.lock(0);
   * win.get(n, 0, 0);
   * win.unlock(0);
   * equal(n[0], comm.size);
   * win.free();
   * ```
   */
  flush(r: number): void {
    this.#live("flush");
    this.#checkRank("flush", r);
    if (!this.#lockAll && this.#held[r] === NONE) throw this.#sync("flush", `no lock epoch is open on rank ${r}`);
    this.#locks.sync();
  }

  /**
   * Completes the one-sided calls to every rank (MPI_Win_flush_all), within
   * a lock or lockAll epoch.
   *
   * @throws {SpmdError} `MPI_ERR_RMA_SYNC` if no lock epoch is open; `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, comm.size); // slot s of every segment is rank s's
   * win.lockAll();
   * for (let r = 0; r < comm.size; r++) win.put([10 * comm.rank + r], r, comm.rank);
   * win.flushAll(); // every put is complete
   * const back = new Int32Array(1);
   * for (let r = 0; r < comm.size; r++) {
   *   win.get(back, r, comm.rank);
   *   win.flush(r);
   *   equal(back[0], 10 * comm.rank + r);
   * }
   * win.unlockAll();
   * win.free();
   * ```
   */
  flushAll(): void {
    this.#live("flushAll");
    if (!this.#lockAll && this.#heldCount === 0) throw this.#sync("flushAll", "no lock epoch is open");
    this.#locks.sync();
  }

  /**
   * A memory barrier for direct loads and stores of the window
   * (MPI_Win_sync): stores before it are published, and loads after it see
   * what other ranks published before a synchronisation with this one (a
   * barrier, a message).
   *
   * @throws {SpmdError} `MPI_ERR_WIN` if the window was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 1);
   * win.local[0] = 3 * comm.rank; // a direct store
   * win.sync(); // publish it
   * comm.barrier();
   * win.sync(); // see the others'
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * equal(win.segment(prev)[0], 3 * prev);
   * win.free();
   * ```
   */
  sync(): void {
    this.#live("sync");
    this.#locks.sync();
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
    this.#began();
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
    this.#began();
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
    this.#began();
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
    this.#began();
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
    this.#began();
    if (this.#atomic) return rmwAtomic(this.all as AtomicArray, at, v, o, this.#one as AtomicArray) as A[number];
    this.#locks.enter(target);
    try {
      return rmwPlain(this.all, at, v, o, this.#one) as A[number];
    } finally {
      this.#locks.leave(target);
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
    this.#began();
    if (this.#atomic) return casAtomic(this.all as AtomicArray, at, v, c) as A[number];
    this.#locks.enter(target);
    try {
      return casPlain(this.all, at, v, c, this.#one) as A[number];
    } finally {
      this.#locks.leave(target);
    }
  }

  // ---- for SharedWindow ----------------------------------------------------------

  /** @ignore Throws unless a fence may be called now. */
  protected checkFence(call: string): void {
    this.#live(call);
    if (this.#lockAll || this.#heldCount > 0) throw this.#sync(call, "a lock epoch is open: unlock first");
  }

  /** @ignore A fence completed. */
  protected fenced(): void {
    this.#fence = F_FENCED;
  }

  /** @ignore Throws unless the window may be freed now. */
  protected checkFree(): void {
    this.checkFence("free");
  }

  /** @ignore The window was freed. */
  protected markFreed(): void {
    this.#freed = true;
  }

  // ---- checks --------------------------------------------------------------------

  #live(call: string): void {
    if (this.#freed) throw new SpmdError(`${call}: the window was freed (win.free())`, "MPI_ERR_WIN");
  }

  #sync(call: string, why: string): SpmdError {
    return new SpmdError(`${call}: ${why}`, "MPI_ERR_RMA_SYNC");
  }

  #checkRank(call: string, r: unknown): void {
    const n = this.#held.length;
    if (typeof r !== "number" || !Number.isInteger(r) || r < 0 || r >= n) {
      throw new SpmdError(`${call}: rank must be an integer in 0..${n - 1}, got ${describe(r)}`, "MPI_ERR_RANK");
    }
  }

  /**
   * Checks a one-sided call's target, epoch, `offset` and buffer (`data`,
   * or one element when null); returns the element index in `all`.
   */
  /** A single number (or bigint) as a source of one element, converted for a bigint window; else `v` itself. */
  #single<V>(v: V | number | bigint): V | (number | bigint)[] {
    if (typeof v === "number") return [this.#big && Number.isSafeInteger(v) ? BigInt(v) : v];
    return typeof v === "bigint" ? [v] : v as V;
  }

  #range(call: string, data: unknown, target: number, offset: number, typedOnly = false): number {
    this.#live(call);
    this.#checkRank(call, target);
    if (!this.#lockAll && this.#held[target] === NONE && this.#fence === F_NONE) {
      throw this.#sync(call, `no access epoch is open on rank ${target}: call fence(), lock(${target}) or lockAll()`);
    }
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
    const len = this.#starts[target + 1] - this.#starts[target];
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || offset + n > len) {
      throw new SpmdError(
        `${call}: offset ${describe(offset)} + ${n} element${n === 1 ? "" : "s"} is outside rank ${target}'s segment ` +
          `of ${len} element${len === 1 ? "" : "s"}`,
        "MPI_ERR_RMA_RANGE",
      );
    }
    return this.#starts[target] + offset;
  }

  /** A one-sided call passed its checks: after a fence, the fence's epoch is now open (locks reset it to F_NONE). */
  #began(): void {
    if (this.#fence === F_FENCED) this.#fence = F_OPEN;
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
      this.#locks.enter(target);
      try {
        for (let i = 0; i < n; i++) {
          const old = rmwPlain(all, at + i, src[i], op, one);
          if (res !== null) res[i] = old as never;
        }
      } finally {
        this.#locks.leave(target);
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

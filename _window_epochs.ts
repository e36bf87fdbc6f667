// {@linkcode WindowEpochs}: a shared window's segments and epochs (the
// base of `WindowAccess`, _window_access.ts, and of `SharedWindow`,
// window.ts). Epoch rules are MPI's; see window.ts.

import { describe, SpmdError } from "./errors.ts";
import type { NumericArray } from "./transport/typed.ts";
import type { LockOptions, WindowLocks } from "./_window_sync.ts";

const NONE = 0;
const SHARED = 1;
const EXCLUSIVE = 2;

/** Fence states: none; after a fence that no one-sided call followed yet; in an epoch a fence opened. */
const F_NONE = 0;
const F_FENCED = 1;
const F_OPEN = 2;

/**
 * The segments and epochs of a shared window (the part of
 * {@linkcode SharedWindow} that one-sided calls rely on): `segment`,
 * `offsetOf`, and the passive-target synchronisation `lock`/`unlock`,
 * `lockAll`/`unlockAll`, `flush`, `flushAll`, `sync`. The one-sided calls
 * are in {@linkcode WindowAccess}; `fence` and `free` in `SharedWindow`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const win = comm.allocateShared(Int32Array, 1);
 * win.lock(comm.rank, { exclusive: true });
 * win.local[0] = comm.rank; // this rank's own segment, under its exclusive lock
 * win.unlock(comm.rank);
 * comm.barrier();
 * win.sync();
 * equal(win.segment(comm.size - 1)[0], comm.size - 1);
 * win.free();
 * ```
 */
export class WindowEpochs<A extends NumericArray> {
  /** The whole window: every rank's segment, contiguous in rank order. */
  readonly all: A;
  readonly #starts: readonly number[];
  readonly #locks: WindowLocks;
  /** Lock mode held on each rank (NONE, SHARED, EXCLUSIVE). */
  readonly #held: Uint8Array;
  #heldCount = 0;
  #lockAll = false;
  #fence = F_NONE;
  #freed = false;

  /** @ignore */
  constructor(all: A, starts: readonly number[], locks: WindowLocks) {
    this.all = all;
    this.#starts = starts;
    this.#locks = locks;
    this.#held = new Uint8Array(starts.length - 1);
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

  // ---- for WindowAccess ------------------------------------------------------------

  /**
   * @ignore Checks that one-sided call `call` may reach rank `target` now
   * (the window is live, `target` is a rank, an access epoch is open on it);
   * returns the index of `target`'s segment in `all` and sets `lengthOfTarget`.
   */
  protected access(call: string, target: number): number {
    this.#live(call);
    this.#checkRank(call, target);
    if (!this.#lockAll && this.#held[target] === NONE && this.#fence === F_NONE) {
      throw this.#sync(call, `no access epoch is open on rank ${target}: call fence(), lock(${target}) or lockAll()`);
    }
    this.lengthOfTarget = this.#starts[target + 1] - this.#starts[target];
    return this.#starts[target];
  }

  /** @ignore Elements of the segment of the target `access` last checked. */
  protected lengthOfTarget = 0;

  /** @ignore A one-sided call passed its checks: after a fence, the fence's epoch is now open (locks reset it to F_NONE). */
  protected began(): void {
    if (this.#fence === F_FENCED) this.#fence = F_OPEN;
  }

  /** @ignore The window's locks (the per-target mutex of floating-point read-modify-writes). */
  protected get locks(): WindowLocks {
    return this.#locks;
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
}

// The locks of a shared window (window.ts), in the control words at the
// start of its memory, which every rank of the window reads and writes:
//
//   word 0                  the release counter: every synchronisation point
//                           of every rank (fence, unlock, flush, sync) adds
//                           to it, so all of them form one chain of atomic
//                           read-modify-writes; what a rank wrote before one
//                           happens-before what any rank reads after a later
//                           one (the JavaScript memory model's
//                           synchronizes-with, on one location)
//   LOCKS + r               rank r's lock: 0 free, n > 0 held shared n
//                           times, −1 held exclusively (lock/unlock)
//   LOCKS + size + r        rank r's accumulate mutex, 0 or 1: serialises
//                           the read-modify-writes of floating-point windows
//   LOCKS + 2·size + q      1 while window rank q waits for a lock or mutex,
//                           so that whoever releases one wakes it
//
// A rank that cannot take a lock at once waits in its transport's wait loop
// (a pending op whose `done` tries again): it spins, then sleeps on its
// doorbell, sees the job's abort word and counts as waiting for the
// deadlock monitor, like any blocking call.

import type { PendingOp, SharedMemory, Transport } from "./transport/transport.ts";
import { callCode } from "./transport/calls.ts";

const C_LOCK = callCode("lock");

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

/** Control words before the first lock word. */
const LOCKS = 16;
/** Int32 words of a window of `size` ranks' control area. */
export function controlWords(size: number): number {
  return LOCKS + 3 * size;
}

/** Attempts before a lock wait goes through the transport's wait loop. */
const TRIES = 64;

/**
 * What a blocked rank waits for: taking one lock (or mutex) word. Reading
 * `done` tries to take it; once taken, `done` stays true (a wait loop may
 * read it more than once per round).
 */
class Take implements PendingOp {
  word = 0;
  exclusive = false;
  taken = false;
  readonly #ctl: Int32Array;
  constructor(ctl: Int32Array) {
    this.#ctl = ctl;
  }
  get done(): boolean {
    return this.taken ||= tryTake(this.#ctl, this.word, this.exclusive);
  }
}

function tryTake(ctl: Int32Array, w: number, exclusive: boolean): boolean {
  if (exclusive) return Atomics.compareExchange(ctl, w, 0, -1) === 0;
  const v = Atomics.load(ctl, w);
  return v >= 0 && Atomics.compareExchange(ctl, w, v, v + 1) === v;
}

/** One rank's side of a window's locks. */
export class WindowLocks {
  readonly #ctl: Int32Array;
  readonly #size: number;
  readonly #rank: number;
  readonly #world: readonly number[];
  readonly #t: Transport;
  readonly #shared: SharedMemory;
  readonly #take: Take;

  /**
   * Rank `rank` of a window of `size` ranks (world ranks `world`) over
   * control words `ctl`, waiting through `t`.
   */
  constructor(ctl: Int32Array, size: number, rank: number, world: readonly number[], t: Transport, sh: SharedMemory) {
    this.#ctl = ctl;
    this.#size = size;
    this.#rank = rank;
    this.#world = world;
    this.#t = t;
    this.#shared = sh;
    this.#take = new Take(ctl);
  }

  /** A release and acquire point: one atomic read-modify-write on the window's release counter. */
  sync(): void {
    Atomics.add(this.#ctl, 0, 1);
  }

  /** Takes rank `r`'s lock, shared or exclusive; waits while another rank holds it in a conflicting mode. */
  lock(r: number, exclusive: boolean): void {
    this.#acquire(LOCKS + r, exclusive);
  }

  /** Releases rank `r`'s lock, held in mode `exclusive`. */
  unlock(r: number, exclusive: boolean): void {
    const ctl = this.#ctl;
    const w = LOCKS + r;
    if (exclusive) Atomics.store(ctl, w, 0);
    else Atomics.sub(ctl, w, 1);
    this.#wakeWaiters();
  }

  /** Takes rank `r`'s accumulate mutex. */
  enter(r: number): void {
    const w = LOCKS + this.#size + r;
    if (Atomics.compareExchange(this.#ctl, w, 0, -1) !== 0) this.#acquire(w, true);
  }

  /** Releases rank `r`'s accumulate mutex. */
  leave(r: number): void {
    Atomics.store(this.#ctl, LOCKS + this.#size + r, 0);
    this.#wakeWaiters();
  }

  #acquire(w: number, exclusive: boolean): void {
    const ctl = this.#ctl;
    for (let i = 0; i < TRIES; i++) if (tryTake(ctl, w, exclusive)) return;
    const take = this.#take;
    take.word = w;
    take.exclusive = exclusive;
    take.taken = false;
    const flag = LOCKS + 2 * this.#size + this.#rank;
    const target = this.#world[(w - LOCKS) % this.#size];
    Atomics.store(ctl, flag, 1);
    this.#t.enter(C_LOCK, target, -1, -1);
    try {
      this.#t.wait(take);
    } finally {
      this.#t.leave();
      Atomics.store(ctl, flag, 0);
    }
  }

  /** Wakes the ranks that wait for a lock or mutex of this window (they try again). */
  #wakeWaiters(): void {
    const ctl = this.#ctl;
    const base = LOCKS + 2 * this.#size;
    for (let q = 0; q < this.#size; q++) {
      if (q !== this.#rank && Atomics.load(ctl, base + q) !== 0) this.#shared.wake(this.#world[q]);
    }
  }

  /** The lock words' values, for an error message: "held exclusively by a rank", ... (r's lock). */
  describe(r: number): string {
    const v = Atomics.load(this.#ctl, LOCKS + r);
    return v === 0 ? "free" : v < 0 ? "held exclusively" : `held shared ${v} time${v === 1 ? "" : "s"}`;
  }
}

/**
 * How a rank waits: spin briefly, then sleep on its doorbell.
 *
 * ## Protocol (no lost wake-ups)
 * The waiter polls its condition while spinning. When the spin budget is
 * spent it *arms*: it reads its doorbell value `v`, stores `sleeping = 1`,
 * and polls once more; only if that poll fails does it call
 * `Atomics.wait(doorbell, v)`. Whoever makes progress possible for a rank
 * (a producer that published bytes, a consumer that freed ring space, the
 * launcher that aborts the job) first stores its shared state and then
 * loads `sleeping`; if it is set, it bumps the doorbell and notifies. With
 * sequentially consistent atomics either the waiter's last poll sees the new
 * state, or the waker sees `sleeping = 1`, and its bump either makes `wait`
 * return at once (value ≠ v) or wakes it.
 *
 * Every wait also watches the job's abort word: aborting bumps every
 * doorbell, and a woken waiter throws {@linkcode AbortedError}. Sleeps have
 * a timeout as a safety net, so a wait re-checks the abort word at least
 * every {@linkcode SLEEP_MS} milliseconds even if a notify were missed.
 *
 * Between `begin` and `end` the rank's activity block says "waiting" (and
 * counts the waits begun): the launcher's deadlock monitor counts a rank as
 * stuck only while it waits here, never while it runs local work inside a
 * call (a user reduction op, serializing a large object).
 *
 * @module
 */

import { AbortedError } from "../errors.ts";
import type { Activity } from "./activity.ts";
import { schedYield } from "./sched_yield.ts";
import { H_ABORT, H_ABORT_CODE, H_ABORT_RANK, RANK_STRIDE } from "./shm_layout.ts";

/** Longest single sleep, in milliseconds. */
export const SLEEP_MS = 200;
/** Longest sleep of a wait for room in a ring (Waiter.begin). */
export const ROOM_SLEEP_MS = 1;

/** Default spin budget (polls) when each rank can have a core to itself. */
export const SPIN_DEDICATED = 20000;
/** Default spin budget when ranks outnumber cores: one poll, then yield (measured at 8 ranks on 2 cores: barrier 10-12 µs with 1, 19-85 µs with 50). */
export const SPIN_OVERSUBSCRIBED = 1;
/** Yields to other threads (libc `sched_yield`) before sleeping, when ranks outnumber cores. */
export const YIELD_OVERSUBSCRIBED = 2000;

/**
 * How many times a blocking `recvInto` from one rank looks at that rank's
 * ring (and the collective slots' `sync` at the round words) before it
 * posts a receive and enters the wait loop (which polls every ring and the
 * background work): a tight poll catches a reply in flight sooner.
 * Bounded; {@linkcode DIRECT_SPINS_OVERSUBSCRIBED} when ranks outnumber cores.
 */
export const DIRECT_SPINS = 2000;

/**
 * The same poll of a blocking `recvInto` when ranks outnumber cores (the
 * collective slots' poll stays 0 there: every rank waits in them at once).
 * A rank whose partner runs on the other core gets its reply without a
 * `sched_yield` per message. Measured on 2 cores, 8 B one way between two
 * ranks while the others wait in a barrier: 1.0–1.9 µs with 0 polls,
 * 0.37–0.43 µs with 300 (1 KiB: 0.9–1.6 → 0.74–0.80), and a ring of
 * messages through 8 to 32 ranks no slower.
 */
export const DIRECT_SPINS_OVERSUBSCRIBED = 300;

/**
 * A fast path that is about to poll (a direct receive whose frame is not
 * there yet, a round of the collective slots not yet complete) yields the
 * core once in this many times: {@linkcode relaxSometimes}.
 */
export const RELAX_EVERY = 2048;
let relaxCount = 0;

/**
 * Called by a fast path about to poll: every {@linkcode RELAX_EVERY}-th
 * call, yields the core (libc `sched_yield`, where FFI is allowed) to any
 * other thread that is ready to run on it. Two ranks that ping-pong or meet
 * in barriers never wait long enough to reach the Waiter's yields, and with
 * a rank on each core V8's compiler threads got no core: code stayed
 * half-optimized for milliseconds at a time, and a 2-rank barrier measured
 * 0.07 µs in one slice of 20,000 and 0.2–1.3 in the next. A yield with no
 * other thread ready costs a system call, ~0.2 µs: 0.1 ns a call here.
 */
export function relaxSometimes(): void {
  relaxCount = (relaxCount + 1) & (RELAX_EVERY - 1);
  if (relaxCount === 0) schedYield()?.(); // loaded once per thread (sched_yield.ts)
}

/** Wakes rank `rank` if it is sleeping (or about to). Called by whoever made progress possible for it. */
export function ring(
  ctl: Int32Array,
  doorbellWord: number,
  rank: number,
): void {
  const w = doorbellWord + rank * RANK_STRIDE;
  if (Atomics.load(ctl, w + 1) !== 0) wakeSleeper(ctl, w);
}

/**
 * As {@linkcode ring}, for a caller that has just published with
 * `Atomics.store` (a full fence on x86-64): the look at the sleeper word is
 * a plain load there (an `Atomics.load` is a builtin call, ~8 ns, paid once
 * per rank woken per round). The fence orders the publishing store before
 * this load, as `Atomics.load` would; V8 keeps a typed-array load after the
 * `Atomics.store` call before it. Elsewhere it is {@linkcode ring}.
 */
export function ringAfterStore(ctl: Int32Array, doorbellWord: number, rank: number): void {
  const w = doorbellWord + rank * RANK_STRIDE;
  if ((X86 ? ctl[w + 1] : Atomics.load(ctl, w + 1)) !== 0) wakeSleeper(ctl, w); // out of line: inlined into every send
}

/** Wakes the rank whose doorbell is word `w`, which is asleep (or about to be). */
function wakeSleeper(ctl: Int32Array, w: number): void {
  Atomics.add(ctl, w, 1);
  Atomics.notify(ctl, w);
}

const X86 = Deno.build.arch === "x86_64";

/** The waiting state of one rank. Reused by every wait of that rank: no allocation per wait. */
export class Waiter {
  readonly #ctl: Int32Array;
  readonly #bell: number;
  readonly #spinLimit: number;
  readonly #yieldLimit: number;
  readonly #yield: (() => void) | null;
  readonly #relax: (() => void) | null;
  readonly #activity: Activity;
  #spins = 0;
  #yields = 0;
  #armed = false;
  #armedValue = 0;
  #sleepMs = SLEEP_MS;

  /**
   * A waiter for `rank`'s doorbell in the job's control words, which marks
   * its waits in the rank's `activity` block.
   */
  constructor(
    ctl: Int32Array,
    doorbellWord: number,
    rank: number,
    spinLimit: number,
    activity: Activity,
    yieldLimit = 0,
  ) {
    this.#ctl = ctl;
    this.#bell = doorbellWord + rank * RANK_STRIDE;
    this.#spinLimit = spinLimit;
    this.#activity = activity;
    this.#yield = yieldLimit > 0 ? schedYield() : null;
    this.#relax = schedYield();
    this.#yieldLimit = this.#yield === null ? 0 : yieldLimit;
  }

  /**
   * Starts a new wait; `brief` when it waits for room in a ring: a receiver
   * does not wake its sender after every message it takes (inbox.ts
   * `direct`), so such a sleep lasts at most {@linkcode ROOM_SLEEP_MS}.
   */
  begin(brief = false): void {
    this.#sleepMs = brief ? ROOM_SLEEP_MS : SLEEP_MS;
    this.#spins = 0;
    this.#yields = 0;
    this.#armed = false;
    this.#activity.beginWait();
  }

  /**
   * Called after a poll that made no progress. Spins, then arms, then
   * sleeps; throws {@linkcode AbortedError} once the job is being stopped.
   */
  idle(): void {
    const ctl = this.#ctl;
    if (this.#spins < this.#spinLimit) {
      if ((++this.#spins & 1023) === 0) {
        this.checkAbort();
        // Now and then let another thread of this process run: with a rank spinning on each core, V8's compiler
        // and GC threads would starve, and code would stay unoptimized for a long time.
        this.#relax?.();
      }
      return;
    }
    if (this.#yields < this.#yieldLimit) {
      // Ranks outnumber cores: give the core to a rank that can run, and
      // look again when the scheduler comes back (cheaper than a futex
      // sleep and wake per step).
      this.#yield!();
      if ((++this.#yields & 63) === 0) this.checkAbort();
      return;
    }
    if (!this.#armed) {
      this.#armedValue = Atomics.load(ctl, this.#bell);
      Atomics.store(ctl, this.#bell + 1, 1);
      this.#armed = true;
      this.checkAbort();
      return; // the caller polls once more before we sleep
    }
    Atomics.wait(ctl, this.#bell, this.#armedValue, this.#sleepMs);
    Atomics.store(ctl, this.#bell + 1, 0);
    this.#armed = false;
    this.checkAbort();
    // After a wake, spin a little before sleeping again: more may follow.
    this.#spins = this.#spinLimit > 64 ? this.#spinLimit - 64 : 0;
  }

  /**
   * True once the spin budget is spent (the waiter is about to sleep, or
   * has slept): the moment for checks too costly to make on every poll,
   * such as reading another rank's activity line.
   */
  get settled(): boolean {
    return this.#spins >= this.#spinLimit;
  }

  /** Ends a wait (clears the waiting and sleeping flags). */
  end(): void {
    this.#activity.endWait();
    if (this.#armed) {
      Atomics.store(this.#ctl, this.#bell + 1, 0);
      this.#armed = false;
    }
  }

  /** Throws {@linkcode AbortedError} if the job is being stopped. */
  checkAbort(): void {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, H_ABORT) !== 0) {
      this.end();
      const by = Atomics.load(ctl, H_ABORT_RANK);
      throw new AbortedError(
        `job stopped (${by >= 0 ? `by rank ${by}` : "by the launcher"}, exit code ${Atomics.load(ctl, H_ABORT_CODE)})`,
      );
    }
  }
}

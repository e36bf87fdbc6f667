// transport/wait.ts on its own: the Waiter's spin / arm / sleep steps, the
// doorbell, abort, and the activity block's waiting word; then a Waiter
// asleep in another Worker (tests/programs/wait_worker.ts), woken by ring()
// and by raiseAbort.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { AbortedError, SpmdError } from "../errors.ts";
import { Activity, snapshot } from "../transport/activity.ts";
import {
  activityBase,
  createShm,
  H_ABORT,
  layoutFor,
  MIN_RING_BYTES,
  raiseAbort,
  RANK_STRIDE,
  type ShmLayout,
} from "../transport/shm_layout.ts";
import { ring, Waiter } from "../transport/wait.ts";
import { schedYield } from "../transport/sched_yield.ts";

interface Job {
  sab: SharedArrayBuffer;
  layout: ShmLayout;
  ctl: Int32Array;
  /** The doorbell word of rank r. */
  bell(r: number): number;
  /** The sleeping flag of rank r. */
  sleeping(r: number): number;
  /** What rank r's activity block says. */
  activity(r: number): ReturnType<typeof snapshot>;
  /** A Waiter for rank r with spin budget `spin`. */
  waiter(r: number, spin: number): Waiter;
}

function job(size = 3): Job {
  const layout = layoutFor(size, MIN_RING_BYTES);
  const sab = createShm(layout);
  const ctl = new Int32Array(sab, 0, layout.ctlWords);
  const word = (r: number) => layout.doorbellWord + r * RANK_STRIDE;
  return {
    sab,
    layout,
    ctl,
    bell: (r) => Atomics.load(ctl, word(r)),
    sleeping: (r) => Atomics.load(ctl, word(r) + 1),
    activity: (r) => snapshot(ctl, activityBase(layout, r)),
    waiter: (r, spin) =>
      new Waiter(ctl, layout.doorbellWord, r, spin, new Activity(ctl, activityBase(layout, r), H_ABORT)),
  };
}

/** Asserts that `f` throws the AbortedError of a job stopped by `by` with `code`. */
function throwsAborted(f: () => unknown, by: string, code: number): void {
  throws(f, (e: unknown) => {
    ok(e instanceof AbortedError, `an AbortedError, got ${e}`);
    ok(e instanceof SpmdError);
    equal(e.code, "MPI_ERR_ABORTED");
    equal(e.message, `job stopped (${by}, exit code ${code})`);
    return true;
  });
}

Deno.test("wait: begin and end mark the rank's activity block as waiting and count the waits", () => {
  const j = job();
  const w = j.waiter(1, 100);
  deepEqual([j.activity(1).waiting, j.activity(1).waits], [false, 0]);
  for (let n = 1; n <= 3; n++) {
    w.begin();
    deepEqual([j.activity(1).waiting, j.activity(1).waits], [true, n]);
    w.idle();
    equal(j.activity(1).waiting, true, "still waiting while idle");
    w.end();
    deepEqual([j.activity(1).waiting, j.activity(1).waits], [false, n]);
  }
  for (const r of [0, 2]) deepEqual([j.activity(r).waiting, j.activity(r).waits], [false, 0], `rank ${r} untouched`);
});

Deno.test("wait: idle spins its budget, then arms (the sleeping flag), and end disarms", () => {
  const j = job();
  const w = j.waiter(1, 5);
  for (let round = 0; round < 2; round++) {
    w.begin(); // starts the spin budget afresh
    for (let i = 0; i < 5; i++) {
      w.idle();
      equal(j.sleeping(1), 0, `spin ${i}: not armed`);
    }
    w.idle();
    equal(j.sleeping(1), 1, "armed once the budget is spent");
    equal(j.bell(1), 0, "arming does not touch the doorbell");
    w.end();
    equal(j.sleeping(1), 0, "end disarms");
    equal(j.activity(1).waiting, false);
  }
  const eager = j.waiter(2, 0);
  eager.begin();
  eager.idle();
  equal(j.sleeping(2), 1, "a budget of 0 arms at the first idle");
  eager.end();
});

Deno.test("wait: ring() wakes only a rank whose sleeping flag is set, and only that rank", () => {
  const j = job();
  ring(j.ctl, j.layout.doorbellWord, 1);
  deepEqual([j.bell(0), j.bell(1), j.bell(2)], [0, 0, 0], "nobody sleeps: nothing to do");
  const w = j.waiter(1, 0);
  w.begin();
  w.idle(); // arms
  ring(j.ctl, j.layout.doorbellWord, 2);
  ring(j.ctl, j.layout.doorbellWord, 0);
  deepEqual([j.bell(0), j.bell(1), j.bell(2)], [0, 0, 0]);
  ring(j.ctl, j.layout.doorbellWord, 1);
  ring(j.ctl, j.layout.doorbellWord, 1);
  deepEqual([j.bell(0), j.bell(1), j.bell(2)], [0, 2, 0], "each ring of a sleeper bumps its doorbell");
  w.end();
  ring(j.ctl, j.layout.doorbellWord, 1);
  equal(j.bell(1), 2, "after end the rank is no longer rung");
});

Deno.test("wait: a ring between arming and sleeping is not lost; after the wake the waiter spins a little before re-arming", () => {
  for (const [spin, after] of [[5, 5], [1000, 64]]) {
    const j = job();
    const w = j.waiter(1, spin);
    w.begin();
    for (let i = 0; i < spin; i++) w.idle();
    w.idle();
    equal(j.sleeping(1), 1);
    ring(j.ctl, j.layout.doorbellWord, 1); // progress for rank 1 before it sleeps: no lost wake-up
    equal(j.bell(1), 1);
    w.idle(); // Atomics.wait finds the doorbell changed since arming and returns
    equal(j.sleeping(1), 0, "woken: disarmed");
    for (let i = 0; i < after; i++) {
      w.idle();
      equal(j.sleeping(1), 0, `spin ${i} after the wake (budget ${spin})`);
    }
    w.idle();
    equal(j.sleeping(1), 1, `re-armed after ${after} spins (budget ${spin})`);
    w.end();
  }
});

Deno.test("wait: checkAbort throws AbortedError naming who stopped the job, and ends the wait", () => {
  const j = job();
  const w = j.waiter(1, 0);
  w.checkAbort(); // running: nothing
  w.begin();
  w.idle(); // arms
  equal(raiseAbort(j.sab, 7, 2), true, "the first stop wins");
  equal(raiseAbort(j.sab, 9, 0), false);
  deepEqual([j.bell(0), j.bell(1), j.bell(2)], [2, 2, 2], "every doorbell is rung, twice");
  throwsAborted(() => w.checkAbort(), "by rank 2", 7);
  equal(j.activity(1).waiting, false, "the wait is over");
  equal(j.sleeping(1), 0, "disarmed");
  throwsAborted(() => j.waiter(0, 100).checkAbort(), "by rank 2", 7);

  const k = job(2);
  raiseAbort(k.sab, 124, -1);
  throwsAborted(() => k.waiter(1, 0).checkAbort(), "by the launcher", 124);
});

Deno.test("wait: idle notices an abort while spinning, when arming, and after a sleep", () => {
  const j = job();
  raiseAbort(j.sab, 3, 0);
  const spinning = j.waiter(1, 1_000_000);
  spinning.begin();
  let spins = 0;
  throwsAborted(
    () => {
      for (;;) {
        spins++;
        spinning.idle();
      }
    },
    "by rank 0",
    3,
  );
  ok(spins <= 1024, `noticed within 1024 spins (after ${spins})`);
  equal(j.activity(1).waiting, false);
  const arming = j.waiter(2, 0);
  arming.begin();
  throwsAborted(() => arming.idle(), "by rank 0", 3);
  equal(j.sleeping(2), 0, "the arming that noticed it is undone");

  const k = job();
  const sleeper = k.waiter(1, 0);
  sleeper.begin();
  sleeper.idle(); // arms before the abort
  raiseAbort(k.sab, 5, 2); // bumps the doorbell: the sleep returns at once
  throwsAborted(() => sleeper.idle(), "by rank 2", 5);
  equal(k.sleeping(1), 0);
  equal(k.activity(1).waiting, false);
});

/** Polls `cond` every millisecond; fails (does not hang) after `ms`. */
async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const GO = 0;
const IDLES = 1;
const DONE = 2;

/** Starts tests/programs/wait_worker.ts waiting as rank 1 of `j` for `rounds` rounds. */
function startWorker(j: Job, rounds: number) {
  const state = new Int32Array(new SharedArrayBuffer(16));
  const worker = new Worker(new URL("./programs/wait_worker.ts", import.meta.url).href, { type: "module" });
  let reply: { ok: boolean; name?: string; message?: string; code?: string } | null = null;
  worker.onmessage = (ev) => reply = ev.data;
  worker.onerror = (ev) => {
    ev.preventDefault();
    reply = { ok: false, name: "WorkerError", message: ev.message };
  };
  worker.postMessage({ sab: j.sab, state: state.buffer, rank: 1, rounds });
  return {
    state,
    worker,
    reply: () => reply,
    /** Until rank 1 has armed and gone into its sleep in round `round` (0 = not ended yet). */
    asleep: (round: number) =>
      until(
        () =>
          reply !== null || (Atomics.load(state, DONE) === round - 1 && Atomics.load(state, IDLES) >= 2 &&
            j.sleeping(1) === 1),
        `the worker sleeps in round ${round}`,
      ),
  };
}

Deno.test("wait: a waiter asleep in another worker is woken by ring()", async () => {
  const j = job(2);
  const rounds = 20;
  const w = startWorker(j, rounds);
  try {
    for (let r = 1; r <= rounds; r++) {
      await w.asleep(r);
      equal(w.reply(), null, `the worker is still waiting in round ${r}: ${JSON.stringify(w.reply())}`);
      deepEqual([j.activity(1).waiting, j.activity(1).waits], [true, r], "asleep counts as waiting");
      Atomics.store(w.state, GO, r); // progress first, then the doorbell
      ring(j.ctl, j.layout.doorbellWord, 1);
      await until(() => Atomics.load(w.state, DONE) === r || w.reply() !== null, `round ${r} ends`);
      equal(Atomics.load(w.state, DONE), r);
    }
    await until(() => w.reply() !== null, "the worker reports");
    deepEqual(w.reply(), { ok: true });
    deepEqual([j.activity(1).waiting, j.activity(1).waits, j.sleeping(1)], [false, rounds, 0]);
  } finally {
    w.worker.terminate();
  }
});

Deno.test("wait: a waiter asleep in another worker is woken by raiseAbort and throws AbortedError", async () => {
  for (const [by, rank, code] of [["by rank 0", 0, 3], ["by the launcher", -1, 124]] as const) {
    const j = job(2);
    const w = startWorker(j, 1);
    try {
      await w.asleep(1);
      equal(w.reply(), null);
      equal(j.activity(1).waiting, true);
      raiseAbort(j.sab, code, rank);
      await until(() => w.reply() !== null, "the worker reports");
      deepEqual(w.reply(), {
        ok: false,
        name: "AbortedError",
        message: `job stopped (${by}, exit code ${code})`,
        code: "MPI_ERR_ABORTED",
      });
      equal(Atomics.load(w.state, DONE), 0, "the wait did not end normally");
      deepEqual([j.activity(1).waiting, j.sleeping(1)], [false, 0], "the aborted wait is ended");
    } finally {
      w.worker.terminate();
    }
  }
});

Deno.test("wait: with ranks outnumbering cores, a waiter yields its core (sched_yield) before it arms", () => {
  ok(schedYield() !== null, "sched_yield is loaded when FFI is allowed (tests run with -A)");
  const j = job();
  const w = new Waiter(j.ctl, j.layout.doorbellWord, 1, 2, new Activity(j.ctl, activityBase(j.layout, 1), H_ABORT), 3);
  w.begin();
  for (let i = 0; i < 2 + 3; i++) {
    w.idle();
    equal(j.sleeping(1), 0, `idle ${i}: spinning or yielding, not armed`);
  }
  ok(w.settled, "settled once the spin budget is spent");
  w.idle();
  equal(j.sleeping(1), 1, "armed once the yields are spent too");
  w.end();
});

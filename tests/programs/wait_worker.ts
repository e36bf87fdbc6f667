// Not a rank program: a Worker for tests/wait_test.ts. It waits with a
// Waiter (spin budget 0: it sleeps on its doorbell almost at once) as rank
// `rank` of the job in `sab`, for `rounds` rounds; round r ends once
// state[GO] reaches r. state[IDLES] counts its idle() calls, state[DONE] the
// rounds finished; state[IDLES] restarts from 0 each round. It posts
// { ok: true } at the end, or the error that stopped it.
import { Activity } from "../../transport/activity.ts";
import { activityBase, attachShm, H_ABORT } from "../../transport/shm_layout.ts";
import { Waiter } from "../../transport/wait.ts";

const GO = 0; // the round that may end
const IDLES = 1; // idle() calls in this round
const DONE = 2; // rounds finished

interface Start {
  sab: SharedArrayBuffer;
  state: SharedArrayBuffer;
  rank: number;
  rounds: number;
}

const scope = globalThis as unknown as {
  onmessage: ((ev: MessageEvent<Start>) => void) | null;
  postMessage(msg: unknown): void;
};

scope.onmessage = (ev) => {
  const { sab, rank, rounds } = ev.data;
  const state = new Int32Array(ev.data.state);
  const layout = attachShm(sab);
  const ctl = new Int32Array(sab, 0, layout.ctlWords);
  const waiter = new Waiter(ctl, layout.doorbellWord, rank, 0, new Activity(ctl, activityBase(layout, rank), H_ABORT));
  try {
    for (let round = 1; round <= rounds; round++) {
      waiter.begin();
      while (Atomics.load(state, GO) < round) {
        Atomics.add(state, IDLES, 1);
        waiter.idle();
      }
      waiter.end();
      Atomics.store(state, IDLES, 0);
      Atomics.store(state, DONE, round);
    }
    scope.postMessage({ ok: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    scope.postMessage({ ok: false, name: err.name, message: err.message, code: err.code });
  }
};

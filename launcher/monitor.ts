/**
 * The deadlock monitor: a job is deadlocked when every rank still running
 * is idle in an spmd wait and nothing moves — no call entered or left, no
 * wait begun, no message sent or received, no byte through any ring — over
 * three samples {@linkcode MONITOR_MS} apart — more when ranks outnumber the
 * cores (one more sample per rank per core, up to 21: 3 s), since a rank that
 * waits for the scheduler to give it a core moves nothing either. A rank doing local work inside
 * a call (a user op, serializing a large value) is not waiting, so it never
 * counts as stuck; nor does a job in which some rank is copying a
 * rendezvous payload (one long copy moves no counter).
 *
 * @module
 */

import { ACT_IN_CALL, snapshot } from "../transport/activity.ts";
import { copying } from "../transport/rendezvous.ts";
import { activityBase, RING_CTL_STRIDE, RING_TAIL, type ShmLayout } from "../transport/shm_layout.ts";

/** Period of the deadlock monitor; a deadlock is declared after 3 identical samples. */
export const MONITOR_MS = 150;

/** Samples the ranks' activity and tells when nothing can move any more. */
export class DeadlockMonitor {
  readonly #words: Int32Array;
  readonly #layout: ShmLayout;
  readonly #heaps: readonly SharedArrayBuffer[];
  #last = "";
  #stable = 0;
  readonly #need: number;

  /** A monitor of the job whose control words are `words` and whose ranks' heaps are `heaps`. */
  constructor(words: Int32Array, layout: ShmLayout, heaps: readonly SharedArrayBuffer[] = []) {
    this.#words = words;
    this.#layout = layout;
    this.#heaps = heaps;
    const cores = navigator.hardwareConcurrency || 1;
    this.#need = Math.min(20, Math.max(2, Math.ceil(layout.size / cores)));
  }

  /** Takes one sample of the ranks for which `live(r)`; returns true once the job is deadlocked. */
  sample(live: (r: number) => boolean): boolean {
    const words = this.#words;
    const layout = this.#layout;
    let print = "";
    let n = 0;
    for (let r = 0; r < layout.size; r++) {
      if (!live(r)) continue;
      n++;
      const a = snapshot(words, activityBase(layout, r));
      if (a.state !== ACT_IN_CALL || !a.waiting) {
        this.#stable = 0;
        this.#last = "";
        return false;
      }
      print += `${r}:${a.epoch}:${a.waits}:${a.sent}:${a.received} `;
    }
    if (n === 0) return false;
    if (copying(this.#heaps)) {
      this.#stable = 0;
      this.#last = "";
      return false;
    }
    let moved = 0;
    for (let i = 0; i < layout.size * (layout.size - 1); i++) {
      const w = layout.ringCtlWord + i * RING_CTL_STRIDE;
      moved = (moved + Atomics.load(words, w) + Atomics.load(words, w + RING_TAIL)) | 0;
    }
    print += moved;
    if (print !== this.#last) {
      this.#last = print;
      this.#stable = 0;
      return false;
    }
    return ++this.#stable >= this.#need;
  }
}

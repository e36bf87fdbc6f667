/**
 * The postMessage peer of `deno task compare`: what a user would write
 * without spmd. Rank 0 is the main thread, ranks 1 … p−1 are plain Web
 * Workers (`_pm_rank.ts`); they talk with `Worker.postMessage` only, typed
 * arrays going by structured clone (a copy on each side), never transferred
 * and never in shared memory. A received message is always a new array
 * (postMessage cannot receive into a buffer); everything else is allocated
 * once per step.
 *
 *     deno run -A bench/compare/peer_postmessage.ts PLANFILE
 *
 * runs every step of the plan (`plan.ts`) and prints one JSON line per step,
 * `{ ...step, ranks, seconds }`, then terminates its workers and exits.
 *
 * The benches, with the same definitions as every peer (S = size, p = ranks;
 * Uint8Array for bytes, Float64Array for the SUM of reduce and allreduce):
 * - latency: rank 0 posts S bytes to rank 1, which posts S bytes back;
 *   seconds = half the round trip.
 * - bw: rank 0 posts 64 × S bytes, rank 1 counts them and posts a 4-byte
 *   acknowledgement after the 64th; seconds = one window.
 * - bibw: rank 0 posts 64 × S bytes; rank 1, at the first of them, posts its
 *   own 64; rank 0 waits for those 64.
 * - The collectives are a star through rank 0, each worker doing the same
 *   call again as soon as the previous one has finished for it:
 *   - barrier: each worker posts an arrival; rank 0 waits for all p−1, then
 *     posts a release to each (which is also its arrival at the next one).
 *   - bcast: rank 0 posts S bytes to each worker and waits for a 0 from each
 *     (without the acknowledgement rank 0 would time nothing but its own
 *     posting, while copies pile up in the workers' queues).
 *   - reduce: each worker posts its S/8 float64; rank 0 adds them to its own
 *     into a result array, then posts a 0 to each worker (the go for the next
 *     call: without it the workers would flood rank 0's queue).
 *   - allreduce: as reduce, but rank 0 posts the result to each worker.
 *   - gather: each worker posts S bytes; rank 0 copies them (and its own) into
 *     its p·S result, then posts a 0 to each worker.
 *   - allgather: as gather, then rank 0 posts the p·S result to each worker.
 *   - alltoall: each worker posts its p blocks of S bytes (p·S); rank 0 sorts
 *     the blocks into one p·S array per destination and posts each worker its
 *     array (keeping its own).
 *
 * Timing: `warmup` untimed iterations, then rank 0's wall clock over `iters`
 * iterations; the end of the warm-up is the synchronization point (every
 * worker has answered the last untimed iteration).
 *
 * @module
 */

import type { PmSetup } from "./_pm_rank.ts";
import { type BenchName, median, type PlanFile, slices, type Step, type StepResult, WINDOW } from "./plan.ts";

/** Rank 0 of a job of plain Web Workers talking by postMessage. */
export class PmJob {
  /** Ranks, including rank 0 (the calling thread). */
  readonly ranks: number;
  readonly #workers: Worker[] = [];
  readonly #ready: boolean[];
  #readyLeft = 0;
  #onReady: (() => void) | null = null;
  /** Messages of the current step not yet handled: sender rank and data. */
  readonly #inbox: { from: number; data: unknown }[] = [];
  #need = 0;
  #wake: (() => void) | null = null;
  #iteration: () => Promise<void> = () => Promise.reject(new Error("PmJob: no step set up"));

  /** Starts `ranks − 1` workers; rank 0 is the caller. */
  constructor(ranks: number) {
    this.ranks = ranks;
    this.#ready = new Array(ranks).fill(true);
    for (let r = 1; r < ranks; r++) {
      const w = new Worker(new URL("./_pm_rank.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent) => this.#receive(r, e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        console.error(`postMessage peer: rank ${r} failed: ${e.message}`);
        Deno.exit(1);
      };
      this.#workers.push(w);
    }
  }

  #receive(from: number, data: unknown): void {
    if (!this.#ready[from]) {
      // Leftovers of the previous step come before the worker's { ready }.
      if (typeof data === "object" && data !== null && "ready" in data) {
        this.#ready[from] = true;
        if (--this.#readyLeft === 0) this.#onReady!();
      }
      return;
    }
    this.#inbox.push({ from, data });
    if (this.#wake !== null && this.#inbox.length >= this.#need) {
      const wake = this.#wake;
      this.#wake = null;
      wake();
    }
  }

  /** Resolves once `k` messages of the current step are in the inbox. */
  #take(k: number): Promise<void> | void {
    if (this.#inbox.length >= k) return;
    this.#need = k;
    return new Promise<void>((resolve) => this.#wake = resolve);
  }

  /** Posts `data` to every worker. */
  #postAll(data: unknown): void {
    for (const w of this.#workers) w.postMessage(data);
  }

  /** Prepares `bench` with `size`-byte messages on every rank; resolves when every worker is ready. */
  async setup(bench: BenchName, size: number): Promise<void> {
    this.#inbox.length = 0;
    this.#iteration = this.#rank0(bench, size);
    if (this.ranks === 1) return;
    this.#readyLeft = this.ranks - 1;
    const ready = new Promise<void>((resolve) => this.#onReady = resolve);
    for (let r = 1; r < this.ranks; r++) {
      this.#ready[r] = false;
      const msg: PmSetup = { setup: { bench, size, ranks: this.ranks, rank: r } };
      this.#workers[r - 1].postMessage(msg);
    }
    await ready;
  }

  /** One iteration of the step set up last (rank 0's side). */
  iteration(): Promise<void> {
    return this.#iteration();
  }

  /** Rank 0's iteration of `bench`. */
  #rank0(bench: BenchName, size: number): () => Promise<void> {
    const p = this.ranks;
    const inbox = this.#inbox;
    const bytes = new Uint8Array(size);
    const w1 = this.#workers[0];
    switch (bench) {
      case "latency":
        return async () => {
          w1.postMessage(bytes);
          await this.#take(1);
          inbox.length = 0;
        };
      case "bw":
      case "bibw":
        return async () => {
          for (let i = 0; i < WINDOW; i++) w1.postMessage(bytes);
          const answers = bench === "bw" ? 1 : WINDOW;
          await this.#take(answers);
          inbox.splice(0, answers);
        };
      case "barrier":
        return async () => {
          await this.#take(p - 1);
          inbox.splice(0, p - 1);
          this.#postAll(0);
        };
      case "bcast":
        return async () => {
          this.#postAll(bytes);
          await this.#take(p - 1);
          inbox.splice(0, p - 1);
        };
      case "reduce":
      case "allreduce": {
        const mine = new Float64Array(Math.max(1, size / 8));
        const result = new Float64Array(mine.length);
        return async () => {
          await this.#take(p - 1);
          result.set(mine);
          for (const { data } of inbox.splice(0, p - 1)) {
            const v = data as Float64Array;
            for (let i = 0; i < result.length; i++) result[i] += v[i];
          }
          this.#postAll(bench === "reduce" ? 0 : result);
        };
      }
      case "gather":
      case "allgather": {
        const result = new Uint8Array(p * size);
        return async () => {
          await this.#take(p - 1);
          result.set(bytes, 0);
          for (const { from, data } of inbox.splice(0, p - 1)) result.set(data as Uint8Array, from * size);
          this.#postAll(bench === "gather" ? 0 : result);
        };
      }
      case "alltoall": {
        const mine = new Uint8Array(p * size);
        const out = Array.from({ length: p }, () => new Uint8Array(p * size));
        const sort = (from: number, blocks: Uint8Array) => {
          for (let to = 0; to < p; to++) out[to].set(blocks.subarray(to * size, (to + 1) * size), from * size);
        };
        return async () => {
          await this.#take(p - 1);
          sort(0, mine);
          for (const { from, data } of inbox.splice(0, p - 1)) sort(from, data as Uint8Array);
          for (let r = 1; r < p; r++) this.#workers[r - 1].postMessage(out[r]);
        };
      }
    }
  }

  /** Runs one plan step; returns seconds per iteration as `plan.ts` defines them. */
  async run(step: Step): Promise<number> {
    await this.setup(step.bench, step.size);
    for (let i = 0; i < step.warmup; i++) await this.#iteration();
    const per: number[] = [];
    for (const n of slices(step.iters)) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await this.#iteration();
      per.push((performance.now() - t0) / 1000 / n);
    }
    const seconds = median(per);
    return step.bench === "latency" ? seconds / 2 : seconds;
  }

  /** Ends every worker. */
  terminate(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers.length = 0;
  }
}

/** Most timed (and warm-up) iterations of a step. */
const MAX_ITERS = 20000;

/** Runs a plan file: one JSON line per step on stdout. */
async function main(planFile: string): Promise<void> {
  const plan = JSON.parse(await Deno.readTextFile(planFile)) as PlanFile;
  const job = new PmJob(plan.ranks);
  try {
    for (const planned of plan.steps) {
      // At most MAX_ITERS timed and warm-up iterations: a round trip takes tens of µs here, and 20,000 of them are a
      // long enough time to measure (the plan's 100,000 small ones are for the µs-fast systems, plan.ts SMALL_ITERS).
      const step = {
        ...planned,
        iters: Math.min(planned.iters, MAX_ITERS),
        warmup: Math.min(planned.warmup, MAX_ITERS),
      };
      if (plan.ranks < 2 && (step.bench === "latency" || step.bench === "bw" || step.bench === "bibw")) {
        throw new Error(`postMessage peer: ${step.bench} needs 2 ranks, the plan has ${plan.ranks}`);
      }
      const result: StepResult = { ...step, ranks: plan.ranks, seconds: await job.run(step) };
      console.log(JSON.stringify(result));
    }
  } finally {
    job.terminate();
  }
}

if (import.meta.main) {
  if (Deno.args.length !== 1) {
    console.error("usage: deno run -A bench/compare/peer_postmessage.ts PLANFILE");
    Deno.exit(2);
  }
  await main(Deno.args[0]);
}

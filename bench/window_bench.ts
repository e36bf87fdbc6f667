/**
 * Shared-window benchmarks (window.ts): one-sided calls from rank 0 (the
 * bench thread) to its own segment and to rank 1's, in a 2-rank job whose
 * rank 1 is idle (`idle` rows) or hammers rank 0's counter with fetchAndOp
 * all the while (`contended` rows). `bench/_window_loop.ts` is rank 1.
 *
 * ```sh
 * deno bench -A bench/window_bench.ts
 * ```
 *
 * @module
 */

import { type Comm, SUM } from "../mod.ts";
import { hostJob, stopJobs } from "./_jobs.ts";

function windows(comm: Comm) {
  const counter = comm.allocateShared(Int32Array, 2);
  const floats = comm.allocateShared(Float64Array, 1);
  const data = comm.allocateShared(Float64Array, 1 << 17);
  comm.barrier();
  return { counter, floats, data };
}

for (const mode of ["idle", "contended"] as const) {
  let w: ReturnType<typeof windows> | null = null;
  const get = () => {
    if (w === null) {
      const comm = hostJob("./_window_loop.ts", 2, [mode]);
      w = windows(comm);
      w.counter.lockAll();
      w.floats.lockAll();
      w.data.lockAll();
    }
    return w;
  };
  const group = `one-sided, rank 1 ${mode}`;
  Deno.bench(`fetchAndOp Int32 (${mode})`, { group, baseline: true }, () => {
    get().counter.fetchAndOp(1, 0, 0, SUM);
  });
  Deno.bench(`fetchAndOp Float64, mutex (${mode})`, { group }, () => {
    get().floats.fetchAndOp(1, 0, 0, SUM);
  });
  const one = new Float64Array([1]);
  Deno.bench(`accumulate 1 × Float64 (${mode})`, { group }, () => {
    get().floats.accumulate(one, 0, 0, SUM);
  });
  const mib = new Float64Array(1 << 17);
  Deno.bench(`put 1 MiB to rank 1 (${mode})`, { group }, () => {
    get().data.put(mib, 1, 0);
  });
  Deno.bench(`get 1 MiB from rank 1 (${mode})`, { group }, () => {
    get().data.get(mib, 1, 0);
  });
  Deno.bench(`stop (${mode})`, { group, n: 1, warmup: 0 }, () => {
    const x = get();
    Atomics.store(x.counter.all, 1, 1);
    x.counter.unlockAll();
    x.floats.unlockAll();
    x.data.unlockAll();
    hostJob("./_window_loop.ts", 2, [mode]).send(0, 1, 99);
    w = null;
    stopJobs();
  });
}

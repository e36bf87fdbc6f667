/**
 * Jobs and rows of the `deno bench` suite.
 *
 * One spmd job at a time: starting a job stops the previous one, so ranks of
 * an earlier group never compete for the cores (a rank that waits spins for
 * its spin budget, then sleeps). The postMessage workers (one set, restarted
 * when the rank count changes) sit idle in their event loops while spmd rows
 * run, and spmd ranks sleep in a receive while postMessage rows run.
 *
 * A row's first call is its set-up: it starts (or reuses) the job, then runs
 * untimed warm-up iterations — at least `warmup`, and for at least 200 ms
 * (the JIT compiles and the young heap grows meanwhile: see `p2p_bench.ts`).
 * deno bench counts that call as its own warm-up (the row is registered with
 * `warmup: 0`); because it takes over 10 µs, deno bench then times every
 * later call on its own (below 10 µs on average it would time batches of
 * 10,000 calls, and p75/p99 would be of batch means). After its 10 ms
 * minimum, deno bench runs `n` more timed calls.
 *
 * `SPMD_BENCH_SPIN=<polls>` sets the spin budget of the spmd ranks (default:
 * the library's, chosen from cores and ranks).
 *
 * @module
 */

import { Comm } from "../comm.ts";
import { type Job, startJob } from "../launcher/job.ts";
import { PmJob } from "./compare/peer_postmessage.ts";

let current: { key: string; job: Job; comm: Comm } | null = null;
let pm: PmJob | null = null;

function spinOption(): number | undefined {
  const v = Deno.env.get("SPMD_BENCH_SPIN");
  return v === undefined || v === "" ? undefined : Number(v);
}

/** Rank 0's communicator of a job of `size` ranks running `module` (relative to bench/). */
export function hostJob(module: string, size: number, args: string[] = []): Comm {
  const key = `${module} ${size} ${args.join(" ")}`;
  if (current?.key === key) return current.comm;
  stopJobs();
  const url = new URL(module, import.meta.url);
  const job = startJob({ module: url, size, args, host: true, spin: spinOption() });
  current = { key, job, comm: new Comm({ transport: job.host!, context: 0 }) };
  return current.comm;
}

/** Stops the running spmd job, if any. */
export function stopJobs(): void {
  if (current !== null) {
    current.job.stop(0, "benchmark done");
    current = null;
  }
}

/** Rank 0 of the postMessage workers of a job of `ranks` ranks. */
export function pmJob(ranks: number): PmJob {
  if (pm?.ranks !== ranks) {
    pm?.terminate();
    pm = new PmJob(ranks);
  }
  return pm;
}

/** "1 B", "64 KiB", "4 MiB". */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}

/** What a row needs besides its set-up. */
export interface RowOptions {
  /** Row name. */
  name: string;
  /** deno bench group (one operation and size: the spmd row and its postMessage baseline). */
  group: string;
  /** Timed calls after deno bench's 10 ms minimum. */
  n: number;
  /** Untimed iterations in the set-up call (it also lasts at least 20 ms). */
  warmup: number;
}

const SETUP_MS = 200;

/** Registers an spmd row: `setup` starts the job and returns one iteration. */
export function spmdRow(o: RowOptions, setup: () => () => void): void {
  let iteration: (() => void) | null = null;
  Deno.bench({
    name: o.name,
    group: o.group,
    n: o.n,
    warmup: 0,
    fn() {
      if (iteration !== null) return iteration();
      const it = setup();
      const t0 = performance.now();
      for (let i = 0; i < o.warmup || performance.now() - t0 < SETUP_MS; i++) it();
      iteration = it;
    },
  });
}

/** Registers the group's postMessage row (its baseline): `setup` prepares the workers and returns one iteration. */
export function pmRow(o: RowOptions, setup: () => Promise<() => Promise<void>>): void {
  let iteration: (() => Promise<void>) | null = null;
  Deno.bench({
    name: o.name,
    group: o.group,
    baseline: true,
    n: o.n,
    warmup: 0,
    async fn() {
      if (iteration !== null) return await iteration();
      const it = await setup();
      const t0 = performance.now();
      for (let i = 0; i < o.warmup || performance.now() - t0 < SETUP_MS; i++) await it();
      iteration = it;
    },
  });
}

// deno bench ends a file's workers when the file is done; stopping the jobs first lets the ranks end cleanly.
addEventListener("unload", () => {
  stopJobs();
  pm?.terminate();
  pm = null;
});

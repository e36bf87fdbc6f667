/**
 * The measurements of `deno task compare`, defined once so that every
 * system measured — spmd, Worker.postMessage, mpi4py and C MPI — does
 * exactly the same work, OSU-micro-benchmark style.
 *
 * A peer program is started as N processes/ranks with a *plan file* (JSON,
 * {@linkcode PlanFile}) and runs its steps in order; rank 0 prints one JSON
 * line per step, {@linkcode StepResult}: the step's fields plus `seconds`.
 * What `seconds` means, per bench (S = size in bytes, p = ranks):
 *
 * | bench      | what one timed iteration is                                   | seconds =               |
 * | ---------- | ------------------------------------------------------------- | ----------------------- |
 * | latency    | rank 0 sends S bytes to rank 1, which sends S bytes back      | half the round trip     |
 * | bw         | rank 0 posts 64 non-blocking sends of S bytes, rank 1 64      | one window (64 msgs)    |
 * |            | receives; then rank 1 sends a 4-byte acknowledgement          |                         |
 * | bibw       | both ranks post 64 receives and 64 sends of S bytes, wait all | one window each way     |
 * | barrier    | every rank calls barrier                                      | one call                |
 * | bcast      | rank 0 broadcasts S bytes                                     | one call                |
 * | reduce     | SUM of S/8 float64 (at least 1) to rank 0                     | one call                |
 * | allreduce  | SUM of S/8 float64 (at least 1), result on every rank         | one call                |
 * | gather     | every rank gives S bytes; rank 0 gets p·S                      | one call                |
 * | allgather  | every rank gives S bytes; every rank gets p·S                  | one call                |
 * | alltoall   | every rank sends S bytes to every rank                         | one call                |
 *
 * Point-to-point benches use ranks 0 and 1 only; in a job of more ranks
 * (the latency steps of the 4- and 8-rank jobs, {@linkcode pingPongSteps})
 * the others skip the step and wait in the barrier that ends it, each
 * system's own (MPI_Barrier, `comm.barrier()`; postMessage workers just
 * wait for their next message).
 * Buffers are allocated once per step and reused (receives land in them);
 * `warmup` iterations run first and are not timed; timing is rank 0's wall
 * clock over `iters` iterations, after a barrier, divided by `iters`.
 *
 * @module
 */

/** The benches. */
export type BenchName =
  | "latency"
  | "bw"
  | "bibw"
  | "barrier"
  | "bcast"
  | "reduce"
  | "allreduce"
  | "gather"
  | "allgather"
  | "alltoall";

/** One measurement. */
export interface Step {
  /** What is measured. */
  bench: BenchName;
  /** Message size in bytes (0 for barrier). */
  size: number;
  /** Timed iterations. */
  iters: number;
  /** Untimed iterations first. */
  warmup: number;
}

/** What a peer reads: its steps, for a job of `ranks` ranks. */
export interface PlanFile {
  /** Ranks the job was started with. */
  ranks: number;
  /** Steps, run in order. */
  steps: Step[];
}

/** What rank 0 prints per step (one JSON object per line). */
export interface StepResult extends Step {
  /** Ranks. */
  ranks: number;
  /** Seconds per timed iteration, as defined per bench above. */
  seconds: number;
}

/** Point-to-point sizes: 1 B to 4 MiB in powers of 4. */
export const P2P_SIZES: readonly number[] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
/** Collective sizes. */
export const COLL_SIZES: readonly number[] = [8, 65536, 1048576];
/** Collectives compared (barrier has no size). */
export const COLLECTIVES: readonly BenchName[] = ["bcast", "reduce", "allreduce", "gather", "allgather", "alltoall"];
/** Rank counts of the collective comparison. */
export const COLL_RANKS: readonly number[] = [2, 4, 8];
/** Rank counts of the jobs in which ranks 0 and 1 also ping-pong while the others wait ({@linkcode pingPongSteps}). */
export const PINGPONG_RANKS: readonly number[] = [4, 8];
/** Sizes of that ping-pong; also measured in the 2-rank point-to-point job, so that every rank count has them. */
export const PINGPONG_SIZES: readonly number[] = [8, 1024, 65536, 1048576];
/** Rank counts of the oversubscribed scale run (spmd and C MPI). */
export const SCALE_RANKS: readonly number[] = [16, 32, 64];
/** Messages per window in bw and bibw (as OSU). */
export const WINDOW = 64;

/**
 * Timed iterations are run in this many consecutive slices, and each peer
 * reports the median slice's time per iteration: on a 2-core machine a
 * preemption of a few milliseconds (the hypervisor, a JIT or GC thread)
 * then spoils one slice instead of the figure. Every peer does the same
 * (peer_mpi.c, peer_mpi4py.py, peer_postmessage.ts, peer_spmd.ts).
 */
export const SLICES = 5;

/**
 * Timed iterations of a latency or collective step of up to 4 KiB (full
 * mode): 20,000 round trips of 0.2 µs are 4 ms, five slices of 0.8 ms,
 * where one scheduler tick or one compile of a JIT-compiled runtime's code
 * is a slice's double. 100,000 are 20 ms for spmd and C, 0.2 s for mpi4py
 * (postMessage's peer keeps to 20,000: 6 s a step is enough of them).
 */
export const SMALL_ITERS = 100000;

/** The iteration counts of the slices of `iters` timed iterations (fewer slices when there are fewer iterations). */
export function slices(iters: number): number[] {
  const k = Math.min(SLICES, iters);
  const out: number[] = [];
  for (let s = 0; s < k; s++) out.push(Math.floor(iters / k) + (s === k - 1 ? iters % k : 0));
  return out;
}

/** The median of `xs` (not empty). */
export function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** How much work: `smoke` checks that everything runs (CI), `full` measures. */
export type Mode = "smoke" | "full";

/**
 * Timed iterations for a message of `bytes` bytes (fewer for large ones),
 * by mode: {@linkcode SMALL_ITERS} for latency and collectives of up to
 * 4 KiB; else about 20 MB moved per step, at most 20,000 iterations (1,000
 * windows for bw/bibw), at least 20 (100 for latency: a 1 MiB round trip
 * takes tens of µs, and 20 of them are too short a time to measure on a
 * noisy machine); fewer when ranks outnumber cores.
 * Smoke: 3 (1 for windows of 1 MiB messages or more).
 */
export function itersFor(mode: Mode, bench: BenchName, bytes: number, ranks: number): Step["iters"] {
  const window = bench === "bw" || bench === "bibw" ? WINDOW : 1;
  if (mode === "smoke") return window > 1 && bytes >= 1 << 20 ? 1 : 3;
  const volume = Math.max(bytes, 8) * window * Math.max(1, ranks / 2);
  let n = window === 1 && bytes <= 4096 ? SMALL_ITERS : Math.round(20e6 / volume);
  const cap = window > 1 ? 1000 : SMALL_ITERS;
  if (n > cap) n = cap;
  const least = bench === "latency" ? 100 : 20;
  if (n < least) n = least;
  if (ranks > 2) n = Math.max(20, Math.round(n / (ranks / 2)));
  return n;
}

/**
 * Untimed iterations before the timed ones: as many as the timed ones, up to
 * {@linkcode SMALL_ITERS}, and at least a fifth of them (a JIT-compiled
 * runtime — Deno, and Python's interpreter caches — needs tens of thousands
 * of calls to settle: measured here, spmd's first 20,000 allreduces of 8 B
 * took 0.7–2 µs each and later ones 0.22–0.29 µs; and after another step,
 * spmd's 8 B ping-pong ran its first 40,000 round trips at 0.16–0.5 µs one
 * way, then 0.085–0.10, while V8 compiled the code again for it; the same
 * count is given to every system).
 */
export function warmupFor(mode: Mode, iters: number): number {
  if (mode === "smoke") return 1;
  return Math.max(Math.round(iters / 5), Math.min(iters, SMALL_ITERS));
}

/** The point-to-point steps (a 2-rank job): every bench at P2P_SIZES, and latency at PINGPONG_SIZES too. */
export function p2pSteps(mode: Mode): Step[] {
  const steps: Step[] = [];
  const latencySizes = [...new Set([...P2P_SIZES, ...PINGPONG_SIZES])].sort((a, b) => a - b);
  for (const bench of ["latency", "bw", "bibw"] as const) {
    for (const size of bench === "latency" ? latencySizes : P2P_SIZES) {
      const iters = itersFor(mode, bench, size, 2);
      steps.push({ bench, size, iters, warmup: warmupFor(mode, iters) });
    }
  }
  return steps;
}

/**
 * Latency between ranks 0 and 1 at PINGPONG_SIZES, for the jobs of
 * PINGPONG_RANKS ranks (before their collective steps), the other ranks
 * waiting in the barrier. The iteration counts are the 2-rank ones: two
 * ranks do the work.
 */
export function pingPongSteps(mode: Mode): Step[] {
  return PINGPONG_SIZES.map((size) => {
    const iters = itersFor(mode, "latency", size, 2);
    return { bench: "latency" as const, size, iters, warmup: warmupFor(mode, iters) };
  });
}

/**
 * The collective steps of a job of `ranks` ranks. Past 8 ranks (the
 * oversubscribed scale runs, where one call takes milliseconds) every step
 * runs 50 timed and 10 warm-up iterations.
 */
export function collectiveSteps(mode: Mode, ranks: number, sizes: readonly number[] = COLL_SIZES): Step[] {
  if (mode === "full" && ranks > 8) {
    return [
      { bench: "barrier" as BenchName, size: 0 },
      ...COLLECTIVES.flatMap((bench) => sizes.map((size) => ({ bench, size }))),
    ]
      .map((s) => ({ ...s, iters: 50, warmup: 10 }));
  }
  const iters = itersFor(mode, "barrier", 8, ranks);
  const steps: Step[] = [{ bench: "barrier", size: 0, iters, warmup: warmupFor(mode, iters) }];
  for (const bench of COLLECTIVES) {
    for (const size of sizes) {
      const n = itersFor(mode, bench, size * (bench === "alltoall" || bench === "allgather" ? ranks : 1), ranks);
      steps.push({ bench, size, iters: n, warmup: warmupFor(mode, n) });
    }
  }
  return steps;
}

/** The figure a user reads for a result: µs for latency and collectives, MB/s (10^6 bytes/s) for bandwidth. */
export function figure(r: StepResult): { value: number; unit: "us" | "MB/s" } {
  if (r.bench === "bw") return { value: (r.size * WINDOW) / r.seconds / 1e6, unit: "MB/s" };
  if (r.bench === "bibw") return { value: (2 * r.size * WINDOW) / r.seconds / 1e6, unit: "MB/s" };
  return { value: r.seconds * 1e6, unit: "us" };
}

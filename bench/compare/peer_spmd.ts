/**
 * spmd's side of `deno task compare`: runs a plan file's steps (see
 * plan.ts) through spmd's public API, as a user would write them, and rank
 * 0 prints one JSON line per step.
 *
 * ```sh
 * deno run -A cli.ts -n 2 bench/compare/peer_spmd.ts PLANFILE          # column "spmd"
 * deno run -A cli.ts -n 2 bench/compare/peer_spmd.ts PLANFILE alloc    # column "spmd alloc"
 * mpiexec -n 2 deno run -A bench/compare/peer_spmd.ts PLANFILE           # column "spmd MPI" (MPI backend)
 * ```
 *
 * Point-to-point (ranks 0 and 1; the others go straight to the barrier that
 * ends the step): `send` + `recvInto` of a `Uint8Array` (given one `Status`
 * to fill, as C's peer gives `MPI_STATUS_IGNORE`), a send buffer and a
 * receive buffer of S bytes as in the C peer; `isend` / `irecvInto` +
 * `waitAll` for the windows (bw: 64 sends of one buffer, 64 receives into
 * one buffer, then a 4-byte acknowledgement). By default the buffers are
 * ordinary `Uint8Array`s; with `alloc` every one of them (send, receive and
 * acknowledgement) comes from `comm.alloc(Uint8Array, n)` — shared memory,
 * whose sends of 32 KiB or more the receiver copies straight from the
 * sender's memory (one copy instead of two) — and is freed after the step.
 * `alloc` runs point-to-point steps only.
 *
 * Collectives: the buffer API, which is what mpi4py's uppercase calls and C
 * do — the result lands in a buffer allocated once per step, nothing is
 * allocated per call: `barrier()`; `bcastInto(buf, 0)` of S bytes;
 * `reduceInto(send, recv, SUM, 0)` and `allreduceInto(send, recv, SUM)` of
 * max(1, S/8) float64; `gatherInto(send, recv, 0)` of S bytes into p·S on
 * rank 0 (null elsewhere); `allgatherInto(send, recv)` of S bytes into p·S;
 * `alltoallInto(send, recv)` of p·S bytes each way. Byte buffers are
 * `Uint8Array`, float64 ones `Float64Array`; every buffer is ordinary memory,
 * as C's `malloc` and mpi4py's `bytearray` / `array('d')`.
 *
 * @module
 */

import { type Request, Status, SUM, waitAll, world } from "../../mod.ts";
import { type BenchName, median, type PlanFile, slices, type Step, type StepResult, WINDOW } from "./plan.ts";

const comm = world();
const { rank, size } = comm;
const plan = JSON.parse(Deno.readTextFileSync(Deno.args[0])) as PlanFile;
if (plan.ranks !== size) throw new Error(`plan is for ${plan.ranks} ranks, job has ${size}`);
const mode = Deno.args[1] ?? "plain";
if (mode !== "plain" && mode !== "alloc") throw new Error(`peer_spmd: second argument must be "alloc", got "${mode}"`);
const useAlloc = mode === "alloc";

/** The buffers of one step, allocated once (and touched) before its warm-up. */
interface Bufs {
  /** Bytes sent: S (alltoall: p·S). */
  s: Uint8Array;
  /** Bytes received: S (gather on rank 0, allgather, alltoall: p·S); null where unused (gather off the root). */
  r: Uint8Array | null;
  /** The 4-byte acknowledgement of bw. */
  ack: Uint8Array;
  /** Float64 sent and received by reduce and allreduce: max(1, S/8) each. */
  fs: Float64Array;
  fr: Float64Array;
  /** Requests of one window (bibw: 2 × 64). */
  reqs: Request[];
}

const isP2p = (step: Step): boolean => step.bench === "latency" || step.bench === "bw" || step.bench === "bibw";

function bytes(n: number): Uint8Array {
  const a = useAlloc ? comm.alloc(Uint8Array, n) : new Uint8Array(n);
  return a.fill(rank + 1);
}

function buffers(step: Step): Bufs {
  const S = step.size;
  const none = new Uint8Array(0);
  const bufs: Bufs = { s: none, r: none, ack: none, fs: new Float64Array(0), fr: new Float64Array(0), reqs: [] };
  if (isP2p(step)) {
    if (rank > 1) return bufs; // idle: only the barriers
    bufs.s = bytes(S);
    bufs.r = bytes(S);
    bufs.ack = bytes(4);
    bufs.reqs = new Array(step.bench === "bibw" ? 2 * WINDOW : WINDOW);
    return bufs;
  }
  if (useAlloc) throw new Error(`peer_spmd alloc runs point-to-point steps only, got ${step.bench}`);
  switch (step.bench) {
    case "bcast":
      bufs.s = bytes(S);
      break;
    case "reduce":
    case "allreduce": {
      const n = Math.max(1, Math.floor(S / 8));
      bufs.fs = new Float64Array(n).fill(1);
      bufs.fr = new Float64Array(n).fill(1);
      break;
    }
    case "gather":
      bufs.s = bytes(S);
      bufs.r = rank === 0 ? bytes(size * S) : null;
      break;
    case "allgather":
      bufs.s = bytes(S);
      bufs.r = bytes(size * S);
      break;
    case "alltoall":
      bufs.s = bytes(size * S);
      bufs.r = bytes(size * S);
      break;
  }
  return bufs;
}

/** Returns the step's `comm.alloc` arrays. */
function release(bufs: Bufs): void {
  if (!useAlloc || bufs.ack.length === 0) return;
  comm.free(bufs.s);
  comm.free(bufs.r!);
  comm.free(bufs.ack);
}

// One function per bench, as one program per benchmark is in OSU's suite: V8 compiles (and inlines into) each on its
// own. One function with a case per bench measured 8 B one way at 0.098-0.111 us and 1 KiB at 0.195-0.204 once the
// bw and bibw steps had run through it, against 0.089-0.094 and 0.171-0.173 without them.
type Loop = (n: number, b: Bufs) => void;

/** The Status every blocking receive fills (as C's `MPI_Recv` fills one, or ignores it): no allocation per call. */
const status = new Status();

function latency(n: number, { s, r }: Bufs): void {
  if (rank === 0) {
    for (let i = 0; i < n; i++) {
      comm.send(s, 1, 1);
      comm.recvInto(r!, 1, 1, status);
    }
  } else if (rank === 1) {
    for (let i = 0; i < n; i++) {
      comm.recvInto(r!, 0, 1, status);
      comm.send(s, 0, 1);
    }
  }
}

function bw(n: number, { s, r, ack, reqs }: Bufs): void {
  if (rank === 0) {
    for (let i = 0; i < n; i++) {
      for (let w = 0; w < WINDOW; w++) reqs[w] = comm.isend(s, 1, 2);
      waitAll(reqs);
      comm.recvInto(ack, 1, 3, status);
    }
  } else if (rank === 1) {
    for (let i = 0; i < n; i++) {
      for (let w = 0; w < WINDOW; w++) reqs[w] = comm.irecvInto(r!, 0, 2);
      waitAll(reqs);
      comm.send(ack, 0, 3);
    }
  }
}

function bibw(n: number, { s, r, reqs }: Bufs): void {
  if (rank > 1) return;
  const peer = 1 - rank;
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < WINDOW; w++) reqs[w] = comm.irecvInto(r!, peer, 4);
    for (let w = 0; w < WINDOW; w++) reqs[WINDOW + w] = comm.isend(s, peer, 4);
    waitAll(reqs);
  }
}

const LOOPS: Record<BenchName, Loop> = {
  latency,
  bw,
  bibw,
  barrier: (n) => {
    for (let i = 0; i < n; i++) comm.barrier();
  },
  bcast: (n, { s }) => {
    for (let i = 0; i < n; i++) comm.bcastInto(s, 0);
  },
  reduce: (n, { fs, fr }) => {
    for (let i = 0; i < n; i++) comm.reduceInto(fs, fr, SUM, 0);
  },
  allreduce: (n, { fs, fr }) => {
    for (let i = 0; i < n; i++) comm.allreduceInto(fs, fr, SUM);
  },
  gather: (n, { s, r }) => {
    for (let i = 0; i < n; i++) comm.gatherInto(s, r, 0);
  },
  allgather: (n, { s, r }) => {
    for (let i = 0; i < n; i++) comm.allgatherInto(s, r!);
  },
  alltoall: (n, { s, r }) => {
    for (let i = 0; i < n; i++) comm.alltoallInto(s, r!);
  },
};

/** Runs `n` iterations of `step` (no timing). */
function run(step: Step, n: number, b: Bufs): void {
  const loop = LOOPS[step.bench];
  if (loop === undefined) throw new Error(`unknown bench ${step.bench} (size ${step.size})`);
  loop(n, b);
}

/**
 * Runs `n` untimed iterations of `step` in 100 calls of its loop: V8 then compiles the loop function whole, and
 * each timed slice calls compiled code. Run in one call, the loop got compiled on the stack only (OSR), a later call
 * started again in the interpreter, and a 2-rank barrier measured 0.07 µs in some slices and 0.18-1.0 in others.
 */
function warm(step: Step, n: number, b: Bufs): void {
  const chunk = Math.max(1, Math.ceil(n / 100));
  for (let left = n; left > 0; left -= chunk) run(step, Math.min(chunk, left), b);
}

/**
 * Sleeps `ms` milliseconds on every rank, after a barrier: V8 compiles on background threads, and with a rank spinning
 * on each of 2 cores a compile job takes a core from a rank (the other then waits for it). A 2-rank barrier measured
 * 0.07 µs a call in some jobs and 0.18-0.32 in others, and its slices showed stalls of 4-50 ms; a small bcast or
 * reduce lost its first timed slice to them (0.7-3 µs a call against 0.37).
 */
function settle(ms: number): void {
  comm.barrier();
  Atomics.wait(pause, 0, 0, ms);
}
const pause = new Int32Array(new SharedArrayBuffer(4));

// V8 compiles the hot paths after tens of thousands of calls, and code compiled for one step's types may be
// recompiled when a later step brings others: one untimed pass over every step first (5 × its warm-up, up to 50,000 calls), so
// that each step is timed in steady state, as in a long-running program; then the ranks sleep while V8 finishes what
// it has queued. Each step then runs its warm-up and its slices untimed (a loop run with more iterations per call may
// tier up again), and sleeps briefly, before its timed slices. The MPI peers need none of this.
if (plan.steps.length > 1 && plan.steps.some((s) => s.warmup > 1)) {
  for (const step of plan.steps) {
    const bufs = buffers(step);
    comm.barrier();
    warm(step, Math.min(step.warmup * 5, 50000), bufs);
    comm.barrier();
    release(bufs);
  }
  settle(300);
}
for (const step of plan.steps) {
  const bufs = buffers(step);
  comm.barrier();
  warm(step, step.warmup, bufs);
  for (const n of slices(step.iters)) run(step, n, bufs);
  settle(20);
  comm.barrier();
  const per: number[] = [];
  for (const n of slices(step.iters)) {
    const t0 = performance.now();
    run(step, n, bufs);
    per.push((performance.now() - t0) / 1000 / n);
  }
  comm.barrier();
  release(bufs);
  const perIter = median(per);
  const seconds = step.bench === "latency" ? perIter / 2 : perIter;
  if (rank === 0) {
    const out: StepResult = { ...step, ranks: size, seconds };
    console.log(JSON.stringify(out));
  }
}

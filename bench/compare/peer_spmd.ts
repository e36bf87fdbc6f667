/**
 * spmd's side of `deno task compare`: runs a plan file's steps (see
 * plan.ts) through spmd's public API, as a user would write them, and rank
 * 0 prints one JSON line per step.
 *
 * ```sh
 * deno run -A cli.ts -n 2 bench/compare/peer_spmd.ts PLANFILE
 * ```
 *
 * Point-to-point: `send` + `recvInto` of a `Uint8Array`; `isend` /
 * `irecvInto` + `waitAll` for the windows. Collectives: `barrier`, `bcast`
 * of a `Uint8Array`, `reduce`/`allreduce` of a `Float64Array` with SUM,
 * `gatherv`/`allgatherv` with equal counts (contiguous typed results, as
 * MPI_Gather/MPI_Allgather), `alltoall` of `size`-byte views of one buffer.
 *
 * @module
 */

import { type Request, SUM, waitAll, world } from "../../mod.ts";
import { type PlanFile, type Step, type StepResult, WINDOW } from "./plan.ts";

const comm = world();
const { rank, size } = comm;
const plan = JSON.parse(Deno.readTextFileSync(Deno.args[0])) as PlanFile;
if (plan.ranks !== size) throw new Error(`plan is for ${plan.ranks} ranks, job has ${size}`);

/** Runs `n` iterations of `step` (no timing). */
function run(step: Step, n: number, bufs: Bufs): void {
  const s = step.size;
  switch (step.bench) {
    case "latency":
      if (rank === 0) {
        for (let i = 0; i < n; i++) {
          comm.send(bufs.a, 1, 1);
          comm.recvInto(bufs.a, 1, 1);
        }
      } else if (rank === 1) {
        for (let i = 0; i < n; i++) {
          comm.recvInto(bufs.a, 0, 1);
          comm.send(bufs.a, 0, 1);
        }
      }
      return;
    case "bw":
      for (let i = 0; i < n; i++) {
        if (rank === 0) {
          const reqs: Request[] = [];
          for (let w = 0; w < WINDOW; w++) reqs.push(comm.isend(bufs.a, 1, 2));
          waitAll(reqs);
          comm.recvInto(bufs.ack, 1, 3);
        } else if (rank === 1) {
          const reqs: Request[] = [];
          for (let w = 0; w < WINDOW; w++) reqs.push(comm.irecvInto(bufs.a, 0, 2));
          waitAll(reqs);
          comm.send(bufs.ack, 0, 3);
        }
      }
      return;
    case "bibw":
      if (rank > 1) return;
      for (let i = 0; i < n; i++) {
        const peer = 1 - rank;
        const reqs: Request[] = [];
        for (let w = 0; w < WINDOW; w++) reqs.push(comm.irecvInto(bufs.b, peer, 4));
        for (let w = 0; w < WINDOW; w++) reqs.push(comm.isend(bufs.a, peer, 4));
        waitAll(reqs);
      }
      return;
    case "barrier":
      for (let i = 0; i < n; i++) comm.barrier();
      return;
    case "bcast":
      for (let i = 0; i < n; i++) comm.bcast(bufs.a, 0);
      return;
    case "reduce":
      for (let i = 0; i < n; i++) comm.reduce(bufs.f, SUM, 0);
      return;
    case "allreduce":
      for (let i = 0; i < n; i++) comm.allreduce(bufs.f);
      return;
    case "gather":
      for (let i = 0; i < n; i++) comm.gatherv(bufs.a, bufs.counts, 0);
      return;
    case "allgather":
      for (let i = 0; i < n; i++) comm.allgatherv(bufs.a, bufs.counts);
      return;
    case "alltoall":
      for (let i = 0; i < n; i++) comm.alltoall(bufs.parts);
      return;
  }
  throw new Error(`unknown bench ${step.bench} (size ${s})`);
}

/** The buffers of one step, allocated once and touched. */
interface Bufs {
  a: Uint8Array;
  b: Uint8Array;
  ack: Uint8Array;
  f: Float64Array;
  counts: number[];
  parts: Uint8Array[];
}

function buffers(step: Step): Bufs {
  const s = step.size;
  const a = new Uint8Array(s).fill(rank + 1);
  const all = step.bench === "alltoall" ? new Uint8Array(s * size).fill(rank + 1) : new Uint8Array(0);
  return {
    a,
    b: new Uint8Array(s),
    ack: new Uint8Array(4),
    f: new Float64Array(Math.max(1, Math.floor(s / 8))).fill(rank + 1),
    counts: new Array(size).fill(s),
    parts: step.bench === "alltoall" ? Array.from({ length: size }, (_, r) => all.subarray(r * s, (r + 1) * s)) : [],
  };
}

for (const step of plan.steps) {
  const bufs = buffers(step);
  comm.barrier();
  run(step, step.warmup, bufs);
  comm.barrier();
  const t0 = performance.now();
  run(step, step.iters, bufs);
  const elapsed = (performance.now() - t0) / 1000;
  comm.barrier();
  const perIter = elapsed / step.iters;
  const seconds = step.bench === "latency" ? perIter / 2 : perIter;
  if (rank === 0) {
    const out: StepResult = { ...step, ranks: size, seconds };
    console.log(JSON.stringify(out));
  }
}

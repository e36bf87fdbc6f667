/**
 * One call of a collective benchmark over spmd, built the same way on every
 * rank: rank 0 (the bench thread, `collectives_bench.ts`) times it, the other
 * ranks call it in a loop (`_coll_loop.ts`). Definitions as in
 * `compare/plan.ts`: S-byte Uint8Arrays (alltoall: p blocks of S bytes, views
 * of one p·S array), S/8 float64 (at least one) summed by reduce and
 * allreduce, root 0; buffers allocated once.
 *
 * @module
 */

import { type Comm, SUM } from "../mod.ts";
import type { BenchName } from "./compare/plan.ts";

/** One call of `op` with `size`-byte buffers on this rank. */
export function collCall(comm: Comm, op: BenchName, size: number): () => void {
  const bytes = new Uint8Array(size);
  const numbers = new Float64Array(Math.max(1, size / 8));
  const all = new Uint8Array(comm.size * size);
  const blocks = Array.from({ length: comm.size }, (_, i) => all.subarray(i * size, (i + 1) * size));
  switch (op) {
    case "barrier":
      return () => comm.barrier();
    case "bcast":
      return () => void comm.bcast(bytes, 0);
    case "reduce":
      return () => void comm.reduce(numbers, SUM, 0);
    case "allreduce":
      return () => void comm.allreduce(numbers, SUM);
    case "gather":
      return () => void comm.gather(bytes, 0);
    case "allgather":
      return () => void comm.allgather(bytes);
    case "alltoall":
      return () => void comm.alltoall(blocks);
    default:
      throw new Error(`collCall: ${op} is not a collective`);
  }
}

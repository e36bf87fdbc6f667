// Shared windows where each rank is a process of its own (the MPI backend's
// MPI_Win_allocate_shared; also runs on shared memory). Args: [mode].
//   basic (default)  every rank hammers fetchAndOp and accumulate on rank 0's
//                    Int32, BigInt64 and Float64 elements, counted exactly;
//                    windows on split(), splitType() and self() communicators;
//                    a typed array kept past free() is empty, not a crash
//   cliques          run with MPICH's MPIR_CVAR_ODD_EVEN_CLIQUES=1 (odd and
//                    even ranks seen as two nodes): a window on the world is
//                    refused on every rank, one per clique works
//   bench            prints fetchAndOp latency (µs) on rank 0's counter: rank
//                    0 alone, then every rank at once

import { deepEqual, equal, throws } from "node:assert/strict";
import { backend, COMM_TYPE_SHARED, self, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const mode = Deno.args[0] ?? "basic";

/** Every rank adds 1 to rank 0's element `n` times (fetchAndOp and accumulate alternately); checks the total. */
function hammer(Type: Int32ArrayConstructor | BigInt64ArrayConstructor | Float64ArrayConstructor, n: number): void {
  const big = Type === BigInt64Array;
  const win = comm.allocateShared(Type as Int32ArrayConstructor, rank === 0 ? 2 : 0);
  const one = big ? 1n : 1;
  const src = new Type(1) as Int32Array;
  src[0] = one as number;
  const seen = new Set<number>();
  win.lockAll();
  for (let k = 0; k < n; k++) {
    if (k & 1) win.accumulate(src, 0, 0, SUM);
    else win.fetchAndOp(one as number, 0, 0, SUM);
    seen.add(Number(win.fetchAndOp(one as number, 0, 1, SUM))); // tickets on element 1
  }
  win.unlockAll();
  win.fence();
  equal(Number(win.all[0]), n * size, `${Type.name}: ${n * size} concurrent updates from ${size} processes`);
  equal(seen.size, n, `${Type.name}: this rank's tickets are distinct`);
  const tickets = comm.allgather([...seen]).flat().sort((a, b) => a - b);
  deepEqual(tickets, Array.from({ length: n * size }, (_, i) => i), `${Type.name}: tickets unique across ranks`);
  win.fence();
  win.free();
}

if (mode === "basic") {
  for (const Type of [Int32Array, BigInt64Array, Float64Array] as const) hammer(Type, 5000);

  // a window on each half of a split: segments contiguous within it, writes visible after a fence
  const half = comm.split(rank % 2)!;
  const hw = half.allocateShared(Float64Array, half.rank + 1);
  hw.local.fill(rank);
  hw.fence();
  for (let r = 0, at = 0; r < half.size; at += r + 1, r++) {
    equal(hw.offsetOf(r), at);
    deepEqual(Array.from(hw.segment(r)), new Array(r + 1).fill(2 * r + (rank % 2)));
  }
  hw.fence();
  hw.free();

  // on the node's communicator (all of the job here) and on self()
  const node = comm.splitType(COMM_TYPE_SHARED)!;
  const nw = node.allocateShared(Uint16Array, 3);
  nw.lock(0, { exclusive: true });
  nw.accumulate([1, 2, 3], 0, 0, SUM);
  nw.unlock(0);
  node.barrier();
  nw.lock(0);
  const got = new Uint16Array(3);
  nw.get(got, 0, 0);
  nw.unlock(0);
  deepEqual(Array.from(got), [node.size, 2 * node.size, 3 * node.size]);
  nw.fence();
  nw.free();
  const me = self().allocateShared(Int32Array, 4);
  me.fence();
  me.put([7, 8], 0, 1);
  me.fence();
  deepEqual(Array.from(me.local), [0, 7, 8, 0]);
  const kept = me.local;
  me.free();
  if (backend().name === "mpi") equal(kept.length, 0, "a typed array kept past free() is empty on MPI");
  throws(() => me.get(new Int32Array(1), 0, 0), /get: the window was freed/);
} else if (mode === "cliques") {
  throws(
    () => comm.allocateShared(Int32Array, 1),
    (e: Error & { code?: string }) =>
      /allocateShared: .*shared windows need all ranks of the communicator on one node.*splitType\(COMM_TYPE_SHARED\)/
        .test(e.message) && e.code === "MPI_ERR_COMM",
  );
  const clique = comm.split(rank % 2)!; // MPICH's two "nodes"
  const w = clique.allocateShared(Int32Array, clique.rank === 0 ? 1 : 0);
  w.lockAll();
  for (let k = 0; k < 1000; k++) w.fetchAndOp(1, 0, 0, SUM);
  w.unlockAll();
  w.fence();
  equal(w.all[0], 1000 * clique.size);
  w.fence();
  w.free();
} else if (mode === "bench") {
  const win = comm.allocateShared(Int32Array, rank === 0 ? 1 : 0);
  const n = 200000;
  const time = (ranks: number): number => {
    comm.barrier();
    let us = 0;
    if (rank < ranks) {
      win.lockAll();
      const t0 = performance.now();
      for (let k = 0; k < n; k++) win.fetchAndOp(1, 0, 0, SUM);
      us = (performance.now() - t0) * 1000 / n;
      win.unlockAll();
    }
    return comm.allreduce(us, SUM) / ranks;
  };
  time(1); // warm-up
  const alone = time(1);
  const all = time(size);
  win.fence();
  equal(win.all[0], 2 * n + n * size); // warm-up, alone, all at once
  win.fence();
  win.free();
  if (rank === 0) {
    const b = backend();
    const name = b.name === "mpi" ? `MPI (${b.library})` : "shm";
    console.log(
      `${name}, ${size} ranks: fetchAndOp ${alone.toFixed(3)} µs alone, ${all.toFixed(3)} µs each rank at once`,
    );
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}

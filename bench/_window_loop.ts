// The other ranks of bench/window_bench.ts: they make the same windows as
// rank 0 (allocateShared is collective), then either wait for the stop
// message (args[0] "idle") or hammer rank 0's counter with fetchAndOp until
// rank 0 sets the stop word (args[0] "contended").

import { SUM, world } from "../mod.ts";

const comm = world();
const counter = comm.allocateShared(Int32Array, comm.rank === 0 ? 2 : 0);
const floats = comm.allocateShared(Float64Array, comm.rank === 0 ? 1 : 0);
const data = comm.allocateShared(Float64Array, 1 << 17);
comm.barrier();
if (Deno.args[0] === "contended") {
  counter.lockAll();
  while (Atomics.load(counter.all, 1) === 0) counter.fetchAndOp(1, 0, 0, SUM);
  counter.unlockAll();
}
comm.recv(0, 99);
void floats;
void data;

// counter.ts: dynamic scheduling. Tasks of unequal cost; each rank takes the
// next task number from a counter in shared memory until none are left.
import { SUM, world } from "@spmd/spmd";

const TASKS = 40;
const comm = world();

/** Task t takes t/4 ms: the later tasks are the long ones. */
function runTask(t: number): void {
  const until = performance.now() + t / 4;
  while (performance.now() < until) { /* work */ }
}

// A window of one Int32 on rank 0 (none on the others), zeroed: the counter.
const counter = comm.allocateShared(Int32Array, comm.rank === 0 ? 1 : 0);
const mine: number[] = [];
counter.lockAll();
for (;;) {
  const t = counter.fetchAndOp(1, 0, 0, SUM); // atomically: t = counter; counter += 1
  if (t >= TASKS) break;
  runTask(t);
  mine.push(t);
}
counter.unlockAll();
counter.free();

console.log(`rank ${comm.rank} ran ${mine.length} tasks`);
const all = comm.gather(mine, 0);
if (all !== null) {
  const sorted = all.flat().sort((a, b) => a - b);
  console.log(`${sorted.length} tasks run, each once: ${sorted.every((t, i) => t === i)}`);
}

// endless.ts: rank 0 loops forever (0.1 added ten times is not exactly 1);
// the other ranks wait for it in a barrier.
import { world } from "@spmd/spmd";

const comm = world();
if (comm.rank === 0) {
  let steps = 0;
  for (let x = 0; x !== 1; x += 0.1) steps++;
  console.log(`rank 0 took ${steps} steps`);
}
comm.barrier();

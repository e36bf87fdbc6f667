// MPI's progress rule for nonblocking collectives: a rank blocked in another
// call (here a receive) still moves on the collectives it started, so a rank
// that waits for one of them and only then sends is answered. Every rank
// starts an ibarrier and an iallreduce; the last rank waits for both, then
// sends to rank 0, which meanwhile is blocked in the receive.

import { equal } from "node:assert/strict";
import { world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const last = size - 1;
for (let round = 0; round < 20; round++) {
  const b = comm.ibarrier();
  const s = comm.iallreduce(rank + round);
  if (rank === 0 && size > 1) {
    equal(comm.recv(last, 7), round); // blocked here while the others need this rank's part of b and s
  }
  if (rank === last && size > 1) {
    b.wait();
    equal(s.wait(), (size * (size - 1)) / 2 + size * round);
    comm.send(round, 0, 7);
  }
  b.wait();
  equal(s.wait(), (size * (size - 1)) / 2 + size * round);
}

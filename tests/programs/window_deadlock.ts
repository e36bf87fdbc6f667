// A lock that is never released: rank 0 holds rank 0's lock exclusively and
// waits for a message that rank 1, waiting for that lock, never sends. The
// launcher must report a deadlock naming the lock wait, not hang.

import { world } from "../../mod.ts";

const comm = world();
const win = comm.allocateShared(Int32Array, 1);
if (comm.rank === 0) {
  win.lock(0, { exclusive: true });
  comm.barrier();
  comm.recv(1, 3);
} else {
  comm.barrier();
  win.lock(0);
  comm.send(1, 0, 3);
}

// Rank 0 computes for a long time (3 s, never calling spmd); the others
// wait for its message. Not a deadlock: a job for --timeout to end.
import { world } from "../../mod.ts";
const comm = world();
if (comm.rank === 0) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000); // stands for a long computation
  comm.send("late", 1 % comm.size, 7);
} else {
  comm.recv(0, 7);
}

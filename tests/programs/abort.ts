// Rank 0 aborts with code 3 while the others wait in recv.
import { world } from "../../mod.ts";
const comm = world();
if (comm.rank === 0) comm.abort(3, "giving up on purpose");
comm.recv(0, 1);

// mismatch.ts: the ranks do not call the same collectives in the same order.
import { world } from "@spmd/spmd";

const comm = world();
if (comm.rank === 0) comm.allreduce(1);
else comm.barrier();

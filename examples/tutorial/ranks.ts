// ranks.ts: every rank runs this whole file; only `comm.rank` differs.
import { backend, world } from "@spmd/spmd";

const comm = world();
console.log(`rank ${comm.rank} of ${comm.size} (backend: ${backend().name})`);
if (comm.rank === 0) console.log("rank 0 decides to print this line alone");

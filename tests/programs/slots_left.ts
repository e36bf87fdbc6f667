// Rank 2 returns without calling the barrier the others wait in.
import { world } from "../../mod.ts";
const comm = world();
if (comm.rank !== 2) comm.barrier();

// MPMD (spmd -n 1 mpmd_master.ts a : -n 3 mpmd_worker.ts b): gathers every rank's program and arguments.
import { world } from "../../mod.ts";
const comm = world();
const all = comm.gather({ program: "master", rank: comm.rank, args: Deno.args });
if (all !== null) console.log(JSON.stringify({ size: comm.size, all }));

// The worker side of mpmd_master.ts.
import { world } from "../../mod.ts";
const comm = world();
comm.gather({ program: "worker", rank: comm.rank, args: Deno.args });

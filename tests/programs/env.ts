// Prints this rank's view of SPMD_TEST_VAR (for the launcher's -x/--env).
import { world } from "../../mod.ts";
const comm = world();
console.log(JSON.stringify({ rank: comm.rank, size: comm.size, value: Deno.env.get("SPMD_TEST_VAR") ?? null }));

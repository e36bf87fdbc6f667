// Prints rank, size and Deno.args as one JSON line.
import { world } from "../../mod.ts";
const comm = world();
console.log(JSON.stringify({ rank: comm.rank, size: comm.size, args: Deno.args }));

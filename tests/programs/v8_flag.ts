// Prints whether V8's --expose-gc is in effect in this rank (for the launcher's --v8-flags).
import { world } from "../../mod.ts";
const comm = world();
console.log(JSON.stringify({ rank: comm.rank, gc: typeof (globalThis as { gc?: unknown }).gc }));

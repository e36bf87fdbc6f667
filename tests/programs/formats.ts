// console.log with printf-style formats, for --tag-output.
import { world } from "../../mod.ts";
const comm = world();
console.log("%d items %s %j", 5, "x", { a: 1 });
console.error("rank %i of %i", comm.rank, comm.size);

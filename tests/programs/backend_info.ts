// Prints this rank's backend() as one JSON line: { rank, size, name, library?, version? }.
import { backend, world } from "../../mod.ts";

const comm = world();
console.log(JSON.stringify({ rank: comm.rank, size: comm.size, ...backend() }));

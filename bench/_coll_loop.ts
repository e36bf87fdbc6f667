// Rank program for the collective benchmarks: repeat one collective until
// the job is stopped. Deno.args: [op, bytes].
import { world } from "../mod.ts";

const comm = world();
const [op, bytesArg] = Deno.args;
const buf = new Float64Array(Number(bytesArg) / 8);
switch (op) {
  case "barrier":
    for (;;) comm.barrier();
  case "allreduce":
    for (;;) comm.allreduce(buf);
  case "bcast":
    for (;;) comm.bcast(buf, 0);
}
throw new Error(`_coll_loop: unknown op ${op}`);

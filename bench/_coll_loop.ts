// Rank program of the collective benchmarks (ranks 1 … p−1; rank 0 is the
// bench thread): calls one collective until the job is stopped.
// Deno.args: [op, size in bytes]. See _coll.ts.
import { world } from "../mod.ts";
import type { BenchName } from "./compare/plan.ts";
import { collCall } from "./_coll.ts";

const call = collCall(world(), Deno.args[0] as BenchName, Number(Deno.args[1]));
for (;;) call();

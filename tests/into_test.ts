// The buffer collectives (comm.allreduceInto, reduceInto, bcastInto,
// allgatherInto, gatherInto, scatterInto, alltoallInto, scanInto,
// exscanInto; IN_PLACE): every call against a reference computed locally,
// at 1 to 5 ranks (non-powers of two included) and with each algorithm
// pinned (programs/into.ts); bad arguments and arrays that disagree
// between ranks, with the communicator usable afterwards
// (programs/into_errors.ts).
import { equal, notEqual } from "node:assert/strict";
import { IN_PLACE, SpmdError, world } from "../mod.ts";
import { run, withEnv } from "./_util.ts";

for (const size of [1, 2, 3, 4, 5]) {
  Deno.test(`buffer collectives at ${size} rank${size > 1 ? "s" : ""}`, async () => {
    await run("into.ts", size, [], 120);
  });
  Deno.test(`buffer collectives: bad arguments and disagreeing arrays at ${size} rank${size > 1 ? "s" : ""}`, async () => {
    await run("into_errors.ts", size, [], 120);
  });
}

// Each algorithm the buffer calls share with the value calls, pinned by its variable.
const PINS: Record<string, string>[] = [
  { SPMD_COLL_ALLREDUCE: "ring", SPMD_COLL_BCAST: "scatter_allgather", SPMD_COLL_ALLGATHER: "ring" },
  { SPMD_COLL_ALLREDUCE: "recursive_doubling", SPMD_COLL_BCAST: "binomial", SPMD_COLL_ALLGATHER: "recursive_doubling" },
  { SPMD_COLL_ALLREDUCE: "halving_doubling" },
];
for (const env of PINS) {
  const label = Object.entries(env).map(([k, v]) => `${k.slice(10).toLowerCase()}=${v}`).join(", ");
  // The halving and doubling also where ranks fold in pairs (6: two pairs) and where it halves three times (8).
  for (const size of env.SPMD_COLL_ALLREDUCE === "halving_doubling" ? [3, 4, 6, 8] : [3, 4]) {
    Deno.test(`buffer collectives with ${label} at ${size} ranks`, () =>
      withEnv(env, () => run("into.ts", size, [], 120)));
  }
  Deno.test(`buffer collectives: disagreeing arrays with ${label} at 3 ranks`, () =>
    withEnv(env, () => run("into_errors.ts", 3, [], 120)));
}

Deno.test("IN_PLACE is one frozen symbol, exported from mod.ts; the value calls refuse it", () => {
  equal(typeof IN_PLACE, "symbol");
  equal(IN_PLACE.description, "IN_PLACE");
  notEqual(IN_PLACE, Symbol("IN_PLACE"));
  // Outside a launched job the world has one rank: the calls run locally.
  const comm = world();
  const out = new Float64Array(2);
  comm.allreduceInto(new Float64Array([1, 2]), out);
  equal(out[1], 2);
  let err: unknown = null;
  try {
    comm.allreduce(IN_PLACE);
  } catch (e) {
    err = e;
  }
  equal(err instanceof SpmdError, true);
});

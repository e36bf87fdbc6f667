// Run with SPMD_COLL_ALLREDUCE=bogus, SPMD_COLL_BCAST=Ring (an algorithm of
// another collective) and SPMD_COLL_ALLGATHER=" RING " by collectives_test.ts:
// the collectives named wrongly throw the same SpmdError on every rank
// (each rank checks the variable, not only a bcast's root), every time,
// before communicating; everything else works, and the allgather runs the
// ring.
import { throws } from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { world } from "../../mod.ts";
import { lastRun } from "../../collectives/_forced.ts";

const comm = world();
const { rank, size } = comm;
const ranks = [...Array(size).keys()];

function eq(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `${what} (size ${size}, rank ${rank}): got ${Deno.inspect(actual)}, expected ${Deno.inspect(expected)}`,
    );
  }
}
const allreduceError = (call: string) => ({
  name: "SpmdError",
  code: "MPI_ERR_ARG",
  message: `${call}: SPMD_COLL_ALLREDUCE="bogus" names no algorithm of this collective; ` +
    "the choices are auto, halving_doubling, native, recursive_doubling, ring, slots",
});
for (let i = 0; i < 2; i++) {
  throws(() => comm.allreduce(rank), allreduceError("allreduce"));
  throws(() => comm.allreduce(new Float64Array(200_000)), allreduceError("allreduce"));
}
// split and dup agree on a context id with an allreduce.
throws(() => comm.split(0), allreduceError("split"));
throws(() => comm.dup(), allreduceError("dup"));
for (let root = 0; root < size; root++) {
  throws(() => comm.bcast(rank === root ? "v" : null, root), {
    name: "SpmdError",
    message: 'bcast: SPMD_COLL_BCAST="Ring" names no algorithm of this collective; ' +
      "the choices are auto, binomial, native, scatter_allgather, slots",
  });
}
// The rest works, and the communicator is usable.
comm.barrier();
eq(comm.allgather(rank), ranks, "allgather");
if (size > 1) eq(lastRun.allgather, "ring", 'SPMD_COLL_ALLGATHER=" RING " runs the ring');
eq(comm.reduce(1, undefined, 0), rank === 0 ? size : null, "reduce");
eq(comm.scan(1), rank + 1, "scan");
eq(comm.gather(rank, size - 1), rank === size - 1 ? ranks : null, "gather");

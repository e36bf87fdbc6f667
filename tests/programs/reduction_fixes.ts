// Reductions that once hung or answered wrongly (found by review), run by
// collectives_test.ts at 2-5 ranks, on the world (shared slots) and on a
// sub-communicator (messages only):
// - a user op that throws on one rank only: every rank throws, none hangs;
// - scan/exscan with another op on one rank: an error, not a wrong result
//   (on the world; a sub-communicator cannot tell without another round);
// - PROD of Int32Array/Uint32Array wraps as C does past 2^53.
import { equal, throws } from "node:assert/strict";
import { createOp, IN_PLACE, MAX, PROD, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const half = comm.split(rank % 2)!;

for (const c of [comm, half]) {
  const last = c.size - 1;
  const thrower = createOp((a: Float64Array, b: Float64Array) => {
    if (c.rank === last) throw new Error("boom on the last rank");
    return a.map((x, i) => x + b[i]);
  }, { commutative: true, elementwise: true });
  const fails = (fn: () => unknown) => {
    throws(fn, (e: unknown) => e instanceof SpmdError && /boom on the last rank/.test(e.message));
    equal(c.allreduce(1), c.size); // usable, and in step
  };
  if (c.size > 1) {
    for (const n of [3, 9000]) {
      fails(() => c.allreduce(new Float64Array(n).fill(1), thrower));
      fails(() => c.allreduceInto(new Float64Array(n).fill(1), new Float64Array(n), thrower));
    }
    // scan: the rank whose own result needs the op throws; the others either throw the same or return.
    for (const call of ["scan", "scanInto"] as const) {
      try {
        if (call === "scan") c.scan(new Float64Array(2).fill(1), thrower);
        else c.scanInto(new Float64Array(2).fill(1), new Float64Array(2), thrower);
      } catch (e) {
        if (!(e instanceof SpmdError) || !/boom on the last rank/.test(e.message)) throw e;
      }
      equal(c.allreduce(1), c.size);
    }
  }
}

// scan with another op on one rank fails on every rank (the world takes the slots' agreement round;
// without shared slots, on the MPI backend, the world is like a sub-communicator).
if (size > 1 && comm.transport.slots !== null) {
  const op = rank === size - 1 ? MAX : SUM;
  const re = new RegExp(`passed op MAX but ranks? [\\d, -]+ passed op SUM$`);
  throws(() => comm.scan(rank + 1, op), (e: unknown) => e instanceof SpmdError && re.test(e.message));
  throws(
    () => comm.exscanInto(new Int32Array([rank + 1]), new Int32Array(1), op),
    (e: unknown) => e instanceof SpmdError && re.test(e.message),
  );
  equal(comm.allreduce(1), size);
}

// PROD wraps modulo 2^32, as C's int/unsigned arithmetic does, on every path.
for (const n of [3, 20_000]) {
  const mine = new Int32Array(n).fill(rank % 2 === 0 ? 0x7fffffff : -0x7fffffff);
  let want = 1;
  for (let r = 0; r < size; r++) want = Math.imul(want, r % 2 === 0 ? 0x7fffffff : -0x7fffffff);
  equal((comm.allreduce(mine, PROD) as Int32Array)[n - 1], want);
  const u = new Uint32Array(n).fill(0xffffffff);
  comm.allreduceInto(IN_PLACE, u, PROD);
  equal(u[n - 1], size % 2 === 0 ? 1 : 0xffffffff);
}

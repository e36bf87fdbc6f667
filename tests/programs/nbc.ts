// Nonblocking collectives: started, overlapped with point-to-point work and with each other, completed by
// wait(), test() loops, waitAll and await; results checked against what every rank can compute itself.
import { deepEqual, equal, throws } from "node:assert/strict";
import { MAX, SpmdError, waitAll, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const sum = (size * (size - 1)) / 2;

for (let root = 0; root < size; root++) {
  // Several in flight at once, started in the same order everywhere.
  const b = comm.ibcast(rank === root ? { from: root } : null, root);
  const r = comm.ireduce(rank, MAX, root);
  const g = comm.igather(rank * 10, root);
  const s = comm.iscatter(rank === root ? [...Array(size).keys()].map((i) => `to ${i}`) : null, root);
  // Point-to-point traffic meanwhile, on the same communicator.
  comm.send(rank, (rank + 1) % size, 5);
  equal(comm.recv((rank - 1 + size) % size, 5), (rank - 1 + size) % size);
  deepEqual(b.wait(), { from: root });
  equal(r.wait(), rank === root ? size - 1 : null);
  deepEqual(g.wait(), rank === root ? [...Array(size).keys()].map((i) => i * 10) : null);
  equal(s.wait(), `to ${rank}`);
}

// test() loops complete them too.
const a = comm.iallreduce(rank);
let spins = 0;
while (!a.test()[0]) spins++;
equal(a.wait(), sum);

// waitAll over collectives and messages together; typed arrays.
const ag = comm.iallgather(new Float64Array([rank]));
const aa = comm.ialltoall([...Array(size).keys()].map((j) => rank * 100 + j));
const bar = comm.ibarrier();
const [gathered, swapped] = waitAll<unknown>([ag, aa, bar]) as [Float64Array[], number[], undefined];
deepEqual(gathered.map((x) => x[0]), [...Array(size).keys()]);
deepEqual(swapped, [...Array(size).keys()].map((i) => i * 100 + rank));

// await yields to the event loop while the collective completes.
equal(await comm.iallreduce(1), size);

// On a sub-communicator.
const half = comm.split(rank % 2)!;
equal(half.iallreduce(1).wait(), half.size);

// Bad input is named.
throws(() => comm.ibcast(1, size), (e) => e instanceof SpmdError && /ibcast: root must be/.test(e.message));
if (size > 1) throws(() => comm.ialltoall([1]), (e) => e instanceof SpmdError && /ialltoall/.test(e.message));
comm.barrier();

// comm.group and comm.create(group), checked against what every rank can compute itself.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { type Group, IDENT, SIMILAR, SpmdError, UNDEFINED, UNEQUAL, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const g = comm.group;
equal(g.size, size);
equal(g.rank, rank);
equal(g.compare(comm.group), IDENT);

// Evens, in reverse order: the new communicator's ranks follow the group's order.
const evens = [...Array(size).keys()].filter((r) => r % 2 === 0).reverse();
const sub = comm.create(g.incl(evens));
if (rank % 2 === 0) {
  ok(sub !== null);
  equal(sub.size, evens.length);
  equal(sub.rank, evens.indexOf(rank));
  // It works: an allreduce of the world ranks of its members.
  equal(sub.allreduce(rank), evens.reduce((a, b) => a + b, 0));
  const back = sub.group.translateRanks([...Array(sub.size).keys()], g);
  deepEqual(back, evens);
} else {
  equal(sub, null);
}

// Group algebra.
const odds = g.excl(evens);
equal(odds.size, size - evens.length);
const unionOrder = [...evens, ...odds.translateRanks([...Array(odds.size).keys()], g)];
equal(g.incl(evens).union(odds).compare(g), unionOrder.every((r, i) => r === i) ? IDENT : SIMILAR);
equal(g.incl(evens).intersection(odds).size, 0);
const ascending = [...evens].sort((x, y) => x - y);
equal(g.difference(odds).compare(g.incl(ascending)), IDENT); // in g's order
if (size > 1) equal(g.incl([0]).compare(g.incl([1])), UNEQUAL);
equal(g.incl([]).rank, UNDEFINED);
deepEqual(g.translateRanks([0], g.incl([])), [UNDEFINED]);

// Bad input names the call and the value.
throws(
  () => g.incl([size]),
  (e) => e instanceof SpmdError && /Group\.incl: ranks\[0\] must be a rank in 0\.\./.test(e.message),
);
throws(() => g.excl([0, 0]), /Group\.excl: rank 0 is given twice/);
throws(() => g.union(3 as unknown as Group), /Group\.union: other must be a Group, got 3/);
throws(() => comm.create("x" as unknown as Group), /create: group must be a Group, got "x"/);

// Different groups on different ranks: the same error everywhere.
if (size > 1) {
  throws(
    () => comm.create(rank === 0 ? g.incl([0]) : g),
    (e) =>
      e instanceof SpmdError &&
      /create: every rank must pass the same group; rank 0 passed world ranks \[0\]/.test(e.message),
  );
}
// A sub-communicator's create: groups of its own ranks.
const half = comm.split(rank < size / 2 ? 0 : 1)!;
const solo = half.create(half.group.incl([0]));
equal(solo === null, half.rank !== 0);
comm.barrier();

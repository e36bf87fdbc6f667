// Collectives on the shared-memory slots (transport/slots.ts), run by
// slots_test.ts at 3 and 4 ranks: results identical on every rank, and
// every disagreement the slot headers reveal fails on every rank alike,
// leaving the communicator usable.
import { equal, throws } from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { MAX, SpmdError, SUM, world } from "../../mod.ts";
import { lastRun } from "../../collectives/_forced.ts";

const comm = world();
const { rank, size } = comm;

function usable(): void {
  equal(comm.allreduce(1), size);
  comm.barrier();
}
function fails(fn: () => unknown, pattern: RegExp): void {
  throws(fn, (e: unknown) => e instanceof SpmdError && pattern.test(e.message), `rank ${rank}`);
  usable();
}

// Results: every rank computes the same bits, in rank order.
const mine = new Float64Array(1000).map((_, i) => Math.sin(i * 0.37 + rank) * 10 ** (rank % 5));
const sum = comm.allreduce(mine, SUM) as Float64Array;
equal(lastRun.allreduce, "slots");
const all = comm.allgather(new Float64Array(sum)) as Float64Array[];
for (const other of all) equal(isDeepStrictEqual(other, sum), true, "bitwise identical on every rank");
let expect = 0;
for (let r = 0; r < size; r++) expect += Math.sin(5 * 0.37 + r) * 10 ** (r % 5);
equal(sum[5], expect);
equal(comm.allreduce(rank * 1.5, MAX), (size - 1) * 1.5);
equal(
  comm.allreduce(new Int32Array([rank, -rank]), SUM).join(),
  `${(size * (size - 1)) / 2},${-(size * (size - 1)) / 2}`,
);
// A communicator of every rank in another order (split with reversed keys) uses the slots too.
const rev = comm.split(0, size - rank)!;
equal(rev.rank, size - 1 - rank);
equal(rev.allreduce(new Float64Array([rank]), SUM)[0], (size * (size - 1)) / 2);
equal(lastRun.allreduce, "slots");
rev.barrier();
equal(lastRun.barrier, "slots");

// Disagreements: each fails on every rank, and the communicator stays usable.
fails(
  () => (rank === 1 ? comm.barrier() : comm.allreduce(rank)),
  /rank 1 called barrier but ranks? 0.* called allreduce \(mismatched collectives\)/,
);
fails(
  () => comm.allreduce(rank === 0 ? 1 : new Float64Array(1)),
  /^allreduce: ranks? 1.* passed Float64Array\(1\) but rank 0 passed a number$/,
);
// One side small enough for a slot, the other not: the round still compares them.
fails(
  () => comm.allreduce(new Float64Array(rank === 0 ? 10 : 100_000)),
  /^allreduce: ranks? 1.* passed Float64Array\(100000\) but rank 0 passed Float64Array\(10\)$/,
);
fails(
  () => comm.allreduce(rank, rank === 0 ? SUM : MAX),
  /^allreduce: ranks? 1.* passed op MAX but rank 0 passed op SUM$/,
);
// A rank whose own input is bad: everyone throws its error.
fails(() => comm.allreduce(rank === 1 ? "x" : rank), /^allreduce: SUM applies to .* \(rank 1\)$|^allreduce: .*rank 1/);
// Collectives of two communicators at the same point: each rank names the others.
const dup = comm.dup();
fails(
  () => (rank === 0 ? comm.barrier() : dup.barrier()),
  /^barrier: ranks? .* called barrier on another communicator/,
);
dup.barrier();

// Typed-array subclasses: the slots are viewed with the built-in constructor, never the caller's (a subclass whose
// constructor takes a length only once made a view of the whole shared memory and overwrote the control words).
class Vec extends Float64Array {
  constructor(n: number) {
    super(n);
  }
}
for (let i = 0; i < 4; i++) equal((comm.allreduce(new Vec(100).fill(1), SUM) as Float64Array)[99], size);
class Strict extends Float64Array {
  constructor(n: number) {
    if (typeof n !== "number") throw new TypeError("Strict(n) takes a length only");
    super(n);
  }
}
const mixed = rank === 0 ? new Strict(4).fill(1) : new Float64Array(4).fill(1);
equal((comm.allreduce(mixed, SUM) as Float64Array)[3], size);
usable();

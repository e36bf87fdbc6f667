// Collective misuse gives the same clear error on every rank involved,
// before any rank is left waiting.
import { throws } from "node:assert/strict";
import { BAND, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
function bad(fn: () => unknown, re: RegExp): void {
  throws(fn, (e: unknown) => {
    if (!(e instanceof SpmdError)) throw new Error(`expected SpmdError, got ${e}`);
    if (!re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  });
}
bad(() => comm.allreduce(new Float64Array(2), BAND), /^allreduce: BAND does not apply to Float64Array/);
bad(() => comm.reduce(true, SUM), /^reduce: SUM does not apply to booleans/);
bad(() => comm.allreduce({ a: 1 }), /^allreduce: SUM applies to numbers, bigints, booleans, typed arrays/);
bad(() => comm.allreduce(1, "SUM" as never), /^allreduce: op must be SUM, MAX, \.\.\. or a function/);
bad(() => comm.bcast(1, size), new RegExp(`^bcast: root must be an integer rank in 0\\.\\.${size - 1}, got ${size}`));
bad(() => comm.reduce(1, SUM, -1), /^reduce: root must be an integer rank/);
bad(() => comm.gather(1, 0.5), /^gather: root must be an integer rank .* got 0\.5/);
bad(
  () => comm.alltoall(new Array(size + 1).fill(0)),
  new RegExp(`^alltoall: values must be an array of ${size} values`),
);
bad(
  () => comm.gatherv(new Float64Array(1), new Array(size + 1).fill(1)),
  /^gatherv: counts must be an array of \d+ counts/,
);
bad(() => comm.gatherv([1] as never, [1]), /^gatherv: array must be a typed array/);
bad(
  () => comm.allgatherv(new Float64Array(1), new Array(size).fill(-1)),
  /^allgatherv: counts\[0\] must be a non-negative integer, got -1/,
);
bad(() => comm.split(1.5), /^split: color must be a non-negative integer or UNDEFINED, got 1\.5/);
bad(() => comm.split(0, NaN), /^split: key must be an integer, got NaN/);
bad(
  () => comm.reduceScatter(new Float64Array(size + 1), new Array(size).fill(1)),
  new RegExp(`^reduceScatter: array has ${size + 1} elements but counts add up to ${size}`),
);
// A scatter with the wrong number of values fails on the root before it sends anything ...
if (rank === 0) {
  bad(
    () => comm.scatter([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17].slice(0, size + 1)),
    /^scatter: the root must pass an array of \d+ values/,
  );
}
// ... so a correct one afterwards completes for everybody.
if (comm.scatter(rank === 0 ? [...Array(size).keys()] : null) !== rank) throw new Error("scatter after a bad one");
// Counts that disagree with a block: every rank reports the same error.
const counts = new Array(size).fill(2);
const mine = new Float64Array(rank === size - 1 ? 3 : 2);
bad(
  () => comm.gatherv(mine, counts, 0),
  new RegExp(`^gatherv: rank ${size - 1} passed 3 elements but counts\\[${size - 1}\\] is 2`),
);
bad(() => comm.allgatherv(mine, counts), /^allgatherv: rank \d+ passed 3 elements/);
const whole = rank === 0 ? new Float64Array(2 * size + 1) : null;
bad(
  () => comm.scatterv(whole, counts, 0),
  new RegExp(`^scatterv: counts add up to ${2 * size} but the root's array has ${2 * size + 1} elements`),
);
// And the communicator still works.
if (comm.allreduce(1) !== size) throw new Error("allreduce after errors");

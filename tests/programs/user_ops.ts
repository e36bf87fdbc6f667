// User ops and MAXLOC/MINLOC give the reference result, computed locally in
// rank order, at any rank count: ops that are not element-wise on large
// typed arrays (no piecewise ring), ops written in the MPI/mpi4py style
// that write into an operand (the caller's input and the running values
// stay apart), ops that change a typed array's length (reduce accepts them
// as allreduce and scan do), lexicographic MAXLOC/MINLOC on arrays and
// strings, and collectives on 1 rank that reject what a send rejects.
import { isDeepStrictEqual } from "node:util";
import { throws } from "node:assert/strict";
import { createOp, MAXLOC, MINLOC, type Op, SpmdError, SUM, world } from "../../mod.ts";

const comm = world();
const { rank, size } = comm;
const ranks = [...Array(size).keys()];

function eq(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `${what} (size ${size}, rank ${rank}): got ${Deno.inspect(actual).slice(0, 300)}, expected ${
        Deno.inspect(expected).slice(0, 300)
      }`,
    );
  }
}
function fold<T>(f: (r: number) => T, g: (a: T, b: T) => T, from: number, to: number): T {
  let acc = f(from);
  for (let r = from + 1; r <= to; r++) acc = g(acc, f(r));
  return acc;
}

// ---- 1. ops that are not element-wise on arrays of the ring's size -----------
// "Top n": the n largest values of both operands, sorted. Commutative and
// associative, but a block of the result is not the top of the blocks.
const N = 10_000; // 80 KB of float64: above the 64 KiB ring threshold
const topN = (a: Float64Array, b: Float64Array): Float64Array => {
  const all = new Float64Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  all.sort();
  return all.slice(all.length - a.length);
};
const topOp = createOp(topN, { commutative: true, name: "topN" });
const values = (r: number) => new Float64Array(N).map((_, i) => ((i * 7919 + r * 104729) % 100_003) + r / 16);
eq(comm.allreduce(values(rank), topOp), fold(values, topN, 0, size - 1), "allreduce top-n on a large typed array");
for (let root = 0; root < size; root++) {
  const got = comm.reduce(values(rank), topOp, root);
  eq(got, rank === root ? fold(values, topN, 0, size - 1) : null, `reduce top-n root ${root}`);
}
eq(comm.scan(values(rank), topOp), fold(values, topN, 0, rank), "scan top-n");
// reduceScatter: each rank's block of the top-n of everything.
const counts = ranks.map((r) => Math.floor(N / size) + (r < N % size ? 1 : 0));
const off = [0];
for (const n of counts) off.push(off[off.length - 1] + n);
const wholeTop = fold(values, topN, 0, size - 1);
eq(
  comm.reduceScatter(values(rank), counts, topOp),
  wholeTop.slice(off[rank], off[rank + 1]),
  "reduceScatter top-n on a large typed array",
);
// An op declared element-wise may use the ring, and still gives the sum.
const addEw = createOp((a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]), {
  commutative: true,
  elementwise: true,
});
const sumRef = fold(values, (a, b) => a.map((x, i) => x + b[i]), 0, size - 1);
eq(comm.allreduce(values(rank), addEw), sumRef, "allreduce element-wise user op on a large typed array");
eq(
  comm.reduceScatter(values(rank), counts, addEw),
  sumRef.slice(off[rank], off[rank + 1]),
  "reduceScatter element-wise",
);

// ---- 3. MPI-style ops that write into an operand ------------------------------
// Into the second operand (MPI: inoutvec), commutative or not.
const addIntoB = (a: Float64Array, b: Float64Array): Float64Array => {
  for (let i = 0; i < b.length; i++) b[i] += a[i];
  return b;
};
const addIntoA = (a: Float64Array, b: Float64Array): Float64Array => {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return a;
};
const objIntoB = (a: { x: number }, b: { x: number }) => {
  b.x += a.x;
  return b;
};
const objIntoA = (a: { x: number }, b: { x: number }) => {
  a.x += b.x;
  return a;
};
const vec = (r: number) => new Float64Array([r + 1, 10 * r, 1]);
const obj = (r: number) => ({ x: r + 1 });
const plainAdd = (a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]);
const plainObj = (a: { x: number }, b: { x: number }) => ({ x: a.x + b.x });
const mpiCases: [string, Op, (r: number) => unknown, (a: any, b: any) => unknown][] = [
  ["typed into b", addIntoB as unknown as Op, vec, plainAdd],
  ["typed into a", addIntoA as unknown as Op, vec, plainAdd],
  ["typed into b, commutative", createOp(addIntoB, { commutative: true }), vec, plainAdd],
  ["object into b", objIntoB as unknown as Op, obj, plainObj],
  ["object into a", objIntoA as unknown as Op, obj, plainObj],
  ["object into b, commutative", createOp(objIntoB, { commutative: true }), obj, plainObj],
];
for (const [name, op, f, g] of mpiCases) {
  const mine = f(rank);
  const before = structuredClone(mine);
  eq(comm.allreduce(mine, op), fold(f, g, 0, size - 1), `allreduce ${name}`);
  eq(mine, before, `allreduce ${name}: input left alone`);
  for (let root = 0; root < size; root++) {
    eq(comm.reduce(mine, op, root), rank === root ? fold(f, g, 0, size - 1) : null, `reduce ${name} root ${root}`);
    eq(mine, before, `reduce ${name}: input left alone`);
  }
  eq(comm.scan(mine, op), fold(f, g, 0, rank), `scan ${name}`);
  eq(mine, before, `scan ${name}: input left alone`);
  eq(comm.exscan(mine, op), rank === 0 ? null : fold(f, g, 0, rank - 1), `exscan ${name}`);
  eq(mine, before, `exscan ${name}: input left alone`);
}

// A typed-array op that changes the length: every reduction accepts it.
const concat = (a: Int32Array, b: Int32Array): Int32Array => {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
const one = (r: number) => new Int32Array([r]);
eq(comm.allreduce(one(rank), concat as unknown as Op), new Int32Array(ranks), "allreduce concat typed");
for (let root = 0; root < size; root++) {
  eq(
    comm.reduce(one(rank), concat as unknown as Op, root),
    rank === root ? new Int32Array(ranks) : null,
    "reduce concat",
  );
}
eq(comm.scan(one(rank), concat as unknown as Op), new Int32Array(ranks.slice(0, rank + 1)), "scan concat typed");

// ---- 4. MAXLOC / MINLOC on arrays, typed arrays and strings ------------------
type Pair = [unknown, number];
const lex = (x: any, y: any): number => {
  if (typeof x !== "object") return x < y ? -1 : x > y ? 1 : 0;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = lex(x[i], y[i]);
    if (c !== 0) return c;
  }
  return x.length - y.length;
};
const maxloc = (a: Pair, b: Pair): Pair => {
  const c = lex(b[0], a[0]);
  return c > 0 || (c === 0 && b[1] < a[1]) ? b : a;
};
const minloc = (a: Pair, b: Pair): Pair => {
  const c = lex(b[0], a[0]);
  return c < 0 || (c === 0 && b[1] < a[1]) ? b : a;
};
const locCases: [string, (r: number) => Pair][] = [
  ["arrays by first element", (r) => [[10 - r], r]], // [[10], 0] beats [[9], 1]
  ["arrays, prefix smaller", (r) => [r % 2 === 0 ? [5] : [5, 0], r]],
  ["equal arrays tie to the lower index", (r) => [[1, 2, 3], size - 1 - r]],
  ["typed arrays", (r) => [new Int32Array([r % 2, -r]), r]],
  ["strings", (r) => [["b", "ab", "ba", "a"][r % 4], r]],
  ["bigints", (r) => [BigInt(r % 3) * 10n ** 18n, r]],
  ["nested arrays", (r) => [[[r % 2], r % 3], 100 - r]],
];
for (const [name, f] of locCases) {
  eq(comm.allreduce(f(rank), MAXLOC), fold(f, maxloc, 0, size - 1), `allreduce MAXLOC ${name}`);
  eq(comm.allreduce(f(rank), MINLOC), fold(f, minloc, 0, size - 1), `allreduce MINLOC ${name}`);
  for (let root = 0; root < size; root++) {
    const expected = rank === root ? fold(f, maxloc, 0, size - 1) : null;
    eq(comm.reduce(f(rank), MAXLOC, root), expected, `reduce MAXLOC ${name} root ${root}`);
  }
  eq(comm.scan(f(rank), MINLOC), fold(f, minloc, 0, rank), `scan MINLOC ${name}`);
}
// MPI's own example: [[10], 0] against [[9], 1].
if (size === 2) eq(comm.allreduce([[10 - rank], rank], MAXLOC), [[10], 0], "MAXLOC [[10], 0] vs [[9], 1]");

// ---- 5. on 1 rank, collectives reject what a send would reject --------------
function rejects(fn: () => unknown, re: RegExp): void {
  throws(fn, (e: unknown) => e instanceof SpmdError && re.test(e.message), String(re));
}
if (size === 1) {
  const keep = createOp((a: unknown) => a, { commutative: true });
  rejects(() => comm.allgather(() => 1), /^allgather: cannot send a function/);
  rejects(() => comm.gather({ f: () => 1 }, 0), /^gather: cannot send /);
  rejects(() => comm.allreduce(Symbol("s"), keep), /^allreduce: cannot send Symbol\(s\)/);
  rejects(() => comm.bcast(() => 1), /^bcast: the root \(rank 0\) cannot send its value: cannot send a function/);
  rejects(() => comm.scan({ f: () => 1 }, keep), /^scan: cannot send /);
  rejects(() => comm.exscan(() => 1, keep), /^exscan: cannot send a function/);
  rejects(() => comm.reduce(() => 1, keep), /^reduce: cannot send a function/);
  rejects(() => comm.alltoall([Symbol("t")]), /^alltoall: cannot send Symbol\(t\)/);
  rejects(() => comm.scatter([() => 1]), /^scatter: cannot send a function/);
}
eq(comm.allreduce(1, SUM), size, "allreduce after rejected values");

// Every collective and op, for every root, on values, small and large
// typed arrays, checked against a reference computed locally from what
// every rank contributes. Run at many sizes by collectives_test.ts, with
// the automatic choice of algorithms and with each algorithm pinned by
// SPMD_COLL_<OP>: then it also checks that the pinned algorithm ran
// whenever it can serve the call, on cases chosen for it (small arrays for
// the ring and scatter + allgather, large ones for recursive doubling).
import { isDeepStrictEqual } from "node:util";
import {
  BAND,
  BOR,
  BXOR,
  createOp,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  type Op,
  PROD,
  SUM,
  UNDEFINED,
  world,
} from "../../mod.ts";
import { lastRun } from "../../collectives/_forced.ts";
import { autoAllreduce } from "./_allreduce_choice.ts";

const comm = world();
const { rank, size } = comm;
const LARGE = 150_000; // 1.2 MB of float64: above the ring size, and above the large-message thresholds

function eq(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `${what} (size ${size}, rank ${rank}): got ${Deno.inspect(actual).slice(0, 300)}, expected ${
        Deno.inspect(expected).slice(0, 300)
      }`,
    );
  }
}
const ranks = [...Array(size).keys()];

/** The algorithm SPMD_COLL_<OP> pins for `op`, or null. */
function pinned(op: string): string | null {
  const v = Deno.env.get(`SPMD_COLL_${op.toUpperCase()}`)?.trim().toLowerCase();
  return v === undefined || v === "" || v === "auto" ? null : v;
}
/**
 * Checks that the last `op` ran `algorithm` (on one rank no algorithm runs).
 * On the MPI backend (no shared slots) the backend chooses: only results are checked.
 */
function ran(op: string, algorithm: string, what: string): void {
  if (size > 1 && comm.transport.slots !== null) eq(lastRun[op], algorithm, `${what}: the algorithm that ran`);
}
const pof2 = (size & (size - 1)) === 0;
const small = (r: number) => new Float64Array([r, 2 * r + 0.5, -r]);
const large = (r: number) => {
  const a = new Float64Array(LARGE);
  for (let i = 0; i < LARGE; i++) a[i] = (i % 13) + r;
  return a;
};
const ints = (r: number) => new Int32Array([r, r * 3, 0x7fff0000 + r, -1 - r]);
const obj = (r: number) => ({ rank: r, tags: new Set([r]), when: new Date(r), nested: [r, { s: `r${r}` }] });

// 2x2 matrices: associative, not commutative.
const mat = (r: number) => new Float64Array([1, r % 3, (r * 2) % 5 - 2, 1]);
const matmul = (a: Float64Array, b: Float64Array) =>
  new Float64Array([
    a[0] * b[0] + a[1] * b[2],
    a[0] * b[1] + a[1] * b[3],
    a[2] * b[0] + a[3] * b[2],
    a[2] * b[1] + a[3] * b[3],
  ]);

// Reference reductions computed locally in rank order.
function ref<T>(f: (r: number) => T, op: (a: T, b: T) => T, upto = size - 1): T {
  let acc = f(0);
  for (let r = 1; r <= upto; r++) acc = op(acc, f(r));
  return acc;
}
const ew = (g: (x: number, y: number) => number) => (a: Float64Array, b: Float64Array) => a.map((x, i) => g(x, b[i]));
const ewi = (g: (x: number, y: number) => number) => (a: Int32Array, b: Int32Array) => a.map((x, i) => g(x, b[i]));

// ---- barrier, bcast --------------------------------------------------------
for (let i = 0; i < 3; i++) comm.barrier();
for (let root = 0; root < size; root++) {
  eq(comm.bcast(rank === root ? obj(root) : null, root), obj(root), `bcast object root ${root}`);
  eq(comm.bcast(rank === root ? 7 + root : -1, root), 7 + root, `bcast number root ${root}`);
  eq(comm.bcast(rank === root ? small(root) : null, root), small(root), `bcast small typed root ${root}`);
  const big = comm.bcast(rank === root ? large(root) : null, root);
  eq(big, large(root), `bcast large typed root ${root}`);
  const auto = pinned("bcast") === null || pinned("bcast") === "slots"; // slots: bcastInto's, not bcast's
  const sa = pinned("bcast") === "scatter_allgather" || (auto && size > 2);
  ran("bcast", sa ? "scatter_allgather" : "binomial", "bcast large typed");
}
const u8big = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7) & 255);
eq(comm.bcast(rank === 0 ? u8big : null), u8big, "bcast 3 MiB Uint8Array");
const input = large(rank);
comm.bcast(input, 0); // the root's input must not change
eq(input, large(rank), "bcast leaves the root's input alone");

// ---- reduce / allreduce with every op ---------------------------------------
const cases: [string, Op, (r: number) => unknown, (a: any, b: any) => unknown][] = [
  ["SUM number", SUM, (r) => r + 1, (a, b) => a + b],
  ["PROD number", PROD, (r) => (r % 3) + 1, (a, b) => a * b],
  ["MAX number", MAX, (r) => (r * 7) % 5, (a, b) => Math.max(a, b)],
  ["MIN number", MIN, (r) => (r * 7) % 5 - 2, (a, b) => Math.min(a, b)],
  ["SUM bigint", SUM, (r) => BigInt(r) * 10n ** 20n, (a, b) => a + b],
  ["SUM small typed", SUM, small, ew((x, y) => x + y)],
  ["MAX small typed", MAX, small, ew(Math.max)],
  ["MIN small typed", MIN, small, ew(Math.min)],
  ["PROD small typed", PROD, (r) => new Float64Array([1 + (r % 2), 0.5, -1]), ew((x, y) => x * y)],
  ["SUM large typed", SUM, large, ew((x, y) => x + y)],
  ["MAX large typed", MAX, large, ew(Math.max)],
  ["SUM number[]", SUM, (r) => [r, 1, -r], (a, b) => a.map((x: number, i: number) => x + b[i])],
  ["LAND boolean", LAND, (r) => r % 2 === 0 || size === 1, (a, b) => a && b],
  ["LOR boolean", LOR, (r) => r === size - 1, (a, b) => a || b],
  ["LXOR boolean", LXOR, (r) => r % 2 === 1, (a, b) => a !== b],
  ["LAND number", LAND, (r) => r, (a, b) => (a && b ? 1 : 0)],
  ["BAND Int32Array", BAND, ints, ewi((x, y) => x & y)],
  ["BOR Int32Array", BOR, ints, ewi((x, y) => x | y)],
  ["BXOR Int32Array", BXOR, ints, ewi((x, y) => x ^ y)],
  ["BOR number", BOR, (r) => 1 << r, (a, b) => (a | b) >>> 0],
  ["MAXLOC", MAXLOC, (r) => [r % 3, r], (a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a)],
  ["MINLOC", MINLOC, (r) => [-(r % 3), 10 - r], (a, b) => (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a)],
  ["user concat (not commutative)", ((a: string, b: string) => a + "," + b) as unknown as Op, (r) => `${r}`, (
    a,
    b,
  ) => a + "," + b],
  ["user max (commutative)", createOp((a: number, b: number) => Math.max(a, b), { commutative: true }), (r) => r, (
    a,
    b,
  ) => Math.max(a, b)],
  ["user 2x2 matmul on typed (not commutative)", matmul as unknown as Op, mat, matmul],
];
for (const [name, op, f, g] of cases) {
  const mine = f(rank);
  const before = Deno.inspect(mine);
  const expected = ref(f, g);
  eq(comm.allreduce(mine, op), expected, `allreduce ${name}`);
  if (name === "SUM large typed") {
    const p = pinned("allreduce");
    ran("allreduce", p === null || p === "slots" ? autoAllreduce(size, LARGE * 8) : p, name);
  }
  for (let root = 0; root < size; root++) {
    eq(comm.reduce(mine, op, root), rank === root ? expected : null, `reduce ${name} root ${root}`);
  }
  eq(comm.scan(mine, op), ref(f, g, rank), `scan ${name}`);
  eq(comm.exscan(mine, op), rank === 0 ? null : ref(f, g, rank - 1), `exscan ${name}`);
  eq(Deno.inspect(mine), before, `${name}: input left alone`);
}

// ---- gather / scatter / allgather / alltoall ----------------------------------
for (let root = 0; root < size; root++) {
  eq(comm.gather(obj(rank), root), rank === root ? ranks.map(obj) : null, `gather root ${root}`);
  eq(comm.gather(large(rank), root), rank === root ? ranks.map(large) : null, `gather large root ${root}`);
  eq(comm.scatter(rank === root ? ranks.map((r) => obj(r + root)) : null, root), obj(rank + root), `scatter ${root}`);
}
eq(comm.allgather(obj(rank)), ranks.map(obj), "allgather objects");
ran("allgather", pof2 && pinned("allgather") !== "ring" ? "recursive_doubling" : "ring", "allgather");
eq(comm.allgather(small(rank)), ranks.map(small), "allgather typed");
eq(comm.alltoall(ranks.map((j) => ({ from: rank, to: j }))), ranks.map((j) => ({ from: j, to: rank })), "alltoall");
eq(
  comm.alltoall(ranks.map((j) => new Float64Array(j + 1).fill(rank))),
  ranks.map((j) => new Float64Array(rank + 1).fill(j)),
  "alltoall typed",
);

// ---- vector forms --------------------------------------------------------------
const counts = ranks.map((r) => (r * 5 + 3) % 4 + (r === 1 ? 70_000 : 0)); // unequal, some zero, one large
const off = [0];
for (const n of counts) off.push(off[off.length - 1] + n);
const whole = new Float64Array(off[size]).map((_, i) => i * 0.5);
const block = whole.slice(off[rank], off[rank + 1]);
for (let root = 0; root < size; root++) {
  eq(comm.gatherv(block, counts, root), rank === root ? whole : null, `gatherv root ${root}`);
  eq(comm.scatterv(rank === root ? whole : null, counts, root), block, `scatterv root ${root}`);
}
eq(comm.allgatherv(block, counts), whole, "allgatherv");
const rsIn = new Int32Array(off[size]).map((_, i) => i + rank);
const rsExpected = new Int32Array(counts[rank]).map((_, i) => size * (off[rank] + i) + (size * (size - 1)) / 2);
eq(comm.reduceScatter(rsIn, counts, SUM), rsExpected, "reduceScatter");

// ---- cases for the pinned algorithms ------------------------------------------------
// Typed arrays of every size for scatter + allgather (which the automatic
// choice keeps for 128 KiB and more), including empty ones and a DataView;
// values it cannot serve fall back to the binomial tree.
const bcastSA = pinned("bcast") === "scatter_allgather";
const bcastCases: [string, (r: number) => unknown, boolean][] = [
  ["Uint8Array(5)", (r) => new Uint8Array(5).map((_, i) => i * 3 + r), true],
  ["Float32Array(7)", (r) => new Float32Array(7).map((_, i) => i / 4 - r), true],
  ["empty Float64Array", () => new Float64Array(0), true],
  ["DataView(13)", (r) => new DataView(new Uint8Array(13).map((_, i) => i * 5 + r).buffer), true],
  ["Int16Array(3p + 1)", (r) => new Int16Array(3 * size + 1).map((_, i) => i - 40 * r), true],
  ["BigInt64Array(p)", (r) => new BigInt64Array(size).map((_, i) => BigInt(i) * 10n ** 15n - BigInt(r)), true],
  ["a string", (r) => `root ${r}`, false],
  ["an array of typed arrays", (r) => [new Float64Array([r])], false],
];
for (let root = 0; root < size; root++) {
  for (const [name, f, typed] of bcastCases) {
    eq(comm.bcast(rank === root ? f(root) : null, root), f(root), `bcast ${name} root ${root}`);
    ran("bcast", bcastSA && typed ? "scatter_allgather" : "binomial", `bcast ${name} root ${root}`);
  }
}

// Typed arrays of at least p elements for the ring (which the automatic
// choice keeps for 64 KiB and more), with built-in ops and an element-wise
// user op; exact in any order (integers). Then what the ring cannot serve.
const ringPinned = pinned("allreduce") === "ring" || pinned("allreduce") === "halving_doubling";
/** True when an allreduce of `v` with `op` on the world runs in the shared slots (unless pinned elsewhere). */
function inSlots(v: unknown, op: Op): boolean {
  const p = pinned("allreduce");
  if (p !== null && p !== "slots") return false;
  if (!("family" in op) || op.family === "user" || op.family === "loc") return false; // a plain function: a user op
  if (typeof v === "number") return op === SUM || op === PROD || op === MAX || op === MIN;
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && v.byteLength <= 8192;
}
const addF32 = createOp((a: Float32Array, b: Float32Array) => a.map((x, i) => x + b[i]), {
  commutative: true,
  elementwise: true,
  name: "addF32",
});
const ringCases: [string, Op, (r: number) => unknown, (a: any, b: any) => unknown, boolean][] = [
  ["SUM Float64Array(p)", SUM, (r) => new Float64Array(size).map((_, i) => i * r + 0.5), ew((x, y) => x + y), true],
  [
    "MAX Float64Array(3p + 2)",
    MAX,
    (r) => new Float64Array(3 * size + 2).map((_, i) => (i * 7 + r * 3) % 11),
    ew(Math.max),
    true,
  ],
  [
    "PROD Int32Array(2p + 1)",
    PROD,
    (r) => new Int32Array(2 * size + 1).map((_, i) => 1 + ((i + r) % 2)),
    ewi((x, y) => x * y),
    true,
  ],
  [
    "BXOR Int32Array(p + 3)",
    BXOR,
    (r) => new Int32Array(size + 3).map((_, i) => (i << 4) ^ (r * 0x1010)),
    ewi((x, y) => x ^ y),
    true,
  ],
  [
    "SUM BigInt64Array(p + 1)",
    SUM,
    (r) => new BigInt64Array(size + 1).map((_, i) => BigInt(i - r) * 10n ** 12n),
    (a, b) => a.map((x: bigint, i: number) => x + b[i]),
    true,
  ],
  [
    "element-wise user op on Float32Array(2p)",
    addF32,
    (r) => new Float32Array(2 * size).map((_, i) => i + r),
    (a, b) => a.map((x: number, i: number) => x + b[i]),
    true,
  ],
  ["SUM Float64Array(p − 1)", SUM, (r) => new Float64Array(size - 1).fill(r), ew((x, y) => x + y), false],
  ["SUM number", SUM, (r) => r * 2, (a, b) => a + b, false],
  ["not commutative user op on typed", matmul as unknown as Op, mat, matmul, false],
];
for (const [name, op, f, g, ring] of ringCases) {
  eq(comm.allreduce(f(rank), op), ref(f, g), `allreduce ${name}`);
  const algorithm = inSlots(f(rank), op) ? "slots" : ringPinned && ring ? pinned("allreduce")! : "recursive_doubling";
  ran("allreduce", algorithm, `allreduce ${name}`);
}
// reduceScatter reduces with allreduce (whose variable pins it): small blocks.
const rsCounts = ranks.map((r) => 1 + (r % 3));
const rsOff = [0];
for (const n of rsCounts) rsOff.push(rsOff[rsOff.length - 1] + n);
const rsSmall = (r: number) => new Float64Array(rsOff[size]).map((_, i) => i * (r + 1));
eq(
  comm.reduceScatter(rsSmall(rank), rsCounts),
  ref(rsSmall, ew((x, y) => x + y)).slice(rsOff[rank], rsOff[rank + 1]),
  "reduceScatter small blocks",
);
ran("reduce_scatter", "allreduce", "reduceScatter");
ran("allreduce", ringPinned ? pinned("allreduce")! : "recursive_doubling", "reduceScatter small blocks");
// Operations with one algorithm ran it.
comm.barrier();
ran("barrier", pinned("barrier") === "dissemination" ? "dissemination" : "slots", "barrier");
comm.reduce(1);
ran("reduce", pinned("reduce") === "binomial" ? "binomial" : "slots", "reduce");
comm.gather(1);
ran("gather", "binomial", "gather");
comm.scatter(rank === 0 ? ranks : null);
ran("scatter", "binomial", "scatter");
comm.alltoall(ranks);
ran("alltoall", "pairwise", "alltoall");
comm.exscan(1);
ran("scan", "recursive_doubling", "exscan");
comm.gatherv(new Int8Array(1), ranks.map(() => 1));
ran("gatherv", "linear", "gatherv");
comm.scatterv(rank === 0 ? new Int8Array(size) : null, ranks.map(() => 1));
ran("scatterv", "linear", "scatterv");
comm.allgatherv(new Int8Array(1), ranks.map(() => 1));
ran("allgatherv", "ring", "allgatherv");

// ---- communicators ---------------------------------------------------------------
const half = comm.split(rank % 2, -rank)!; // reversed order inside each half
const members = ranks.filter((r) => r % 2 === rank % 2).reverse();
eq([half.size, half.rank], [members.length, members.indexOf(rank)], "split size/rank");
eq(half.allgather(rank), members, "split allgather in key order");
// The world and the halves used at once: messages never cross.
const dupw = comm.dup();
if (size > 1) {
  const next = (rank + 1) % size;
  const prev = (rank - 1 + size) % size;
  comm.send("world", next, 5);
  dupw.send("dup", next, 5);
  if (half.size > 1) half.send("half", (half.rank + 1) % half.size, 5);
  eq(dupw.recv(prev, 5), "dup", "dup recv");
  if (half.size > 1) eq(half.recv((half.rank - 1 + half.size) % half.size, 5), "half", "half recv");
  eq(comm.recv(prev, 5), "world", "world recv");
}
eq(half.allreduce(1), members.length, "split allreduce");
eq(comm.allreduce(1), size, "world allreduce after split");
const sub = comm.split(rank === 0 ? UNDEFINED : 1);
eq(sub === null, rank === 0, "split UNDEFINED gives null");
if (sub !== null) {
  eq([sub.size, sub.rank, sub.allreduce(rank)], [size - 1, rank - 1, (size * (size - 1)) / 2], "split rest");
}

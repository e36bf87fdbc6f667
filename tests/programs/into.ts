// The buffer collectives (allreduceInto, reduceInto, bcastInto,
// allgatherInto, gatherInto, scatterInto, alltoallInto, scanInto,
// exscanInto): every call, with and without IN_PLACE, every root, every
// built-in op on every element type it applies to, small and large arrays,
// checked against a reference computed locally from what every rank
// contributes (each rank's input is a function of its rank). Also: the
// result of allreduceInto has the same bits on every rank (NaN, signed
// zeros, rounding), user ops (not commutative), sub-communicators, and the
// algorithm that ran when SPMD_COLL_<OP> pins one. Run at several sizes by
// into_test.ts.
import {
  BAND,
  BOR,
  BXOR,
  createOp,
  IN_PLACE,
  LAND,
  LOR,
  LXOR,
  MAX,
  MIN,
  type NumericArray,
  type Op,
  PROD,
  SUM,
  world,
} from "../../mod.ts";
import { lastRun } from "../../collectives/_forced.ts";
import { autoAllreduce } from "./_allreduce_choice.ts";
import { SLOT_DATA_BYTES } from "../../transport/shm_layout.ts";

const comm = world();
const { rank, size } = comm;
const ranks = [...Array(size).keys()];

/** FNV-1a of `b`: equal bits, equal digests. */
function digest(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

function fail(what: string): never {
  throw new Error(`${what} (size ${size}, rank ${rank})`);
}
function show(a: ArrayLike<unknown>): string {
  return Deno.inspect(Array.from(a).slice(0, 12)) + (a.length > 12 ? ` ... (${a.length})` : "");
}
/** `a` equals `b` element by element (Object.is: NaN equals NaN, −0 is not 0). */
function same(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) fail(`${what}: length ${a.length}, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      fail(`${what}: [${i}] is ${a[i]}, expected ${b[i]}; got ${show(a)}, expected ${show(b)}`);
    }
  }
}
function pinned(op: string): string | null {
  const v = Deno.env.get(`SPMD_COLL_${op.toUpperCase()}`)?.trim().toLowerCase();
  return v === undefined || v === "" || v === "auto" ? null : v;
}
/** Checks that the last `op` ran `algorithm`; on the MPI backend (no shared slots) the backend chooses. */
function ran(op: string, algorithm: string, what: string): void {
  if (size > 1 && comm.transport.slots !== null && lastRun[op] !== algorithm) {
    fail(`${what}: ran ${lastRun[op]}, expected ${algorithm}`);
  }
}

type Ctor = { new (n: number): NumericArray; readonly name: string };
const FLOATS: Ctor[] = [Float64Array, Float32Array];
const INTS: Ctor[] = [Int32Array, Uint8Array, Int8Array, Int16Array, Uint16Array, Uint32Array, Uint8ClampedArray];
const BIGS: Ctor[] = [BigInt64Array, BigUint64Array];
const ALL: Ctor[] = [...FLOATS, ...INTS, ...BIGS];
const isBig = (T: Ctor) => T === BigInt64Array || T === BigUint64Array;

/** Rank r's element i, as a small integer (exact in every type; sums and products of 5 stay exact in floats). */
function num(r: number, i: number, salt: number): number {
  return ((r * 7 + i * 3 + salt) % 11) - 4;
}
/** Rank r's input array of type T. */
function input(T: Ctor, n: number, r: number, salt = 0): NumericArray {
  const a = new T(n);
  // Uint32 products of wrapped negatives would pass 2^53, where JavaScript's (and spmd's) products round.
  const shift = T === Uint32Array ? 4 : 0;
  for (let i = 0; i < n; i++) (a as any)[i] = isBig(T) ? BigInt(num(r, i, salt)) : num(r, i, salt) + shift;
  return a;
}

/** The reference op on two elements, as MPI defines it (logical ops give 1/0). */
function apply(op: Op, a: any, b: any): any {
  const big = typeof a === "bigint";
  const t = (x: boolean) => (big ? (x ? 1n : 0n) : x ? 1 : 0);
  switch (op) {
    case SUM:
      return a + b;
    case PROD:
      return a * b;
    case MAX:
      return b > a ? b : a;
    case MIN:
      return b < a ? b : a;
    case LAND:
      return t(!!a && !!b);
    case LOR:
      return t(!!a || !!b);
    case LXOR:
      return t(!!a !== !!b);
    case BAND:
      return a & b;
    case BOR:
      return a | b;
    case BXOR:
      return a ^ b;
  }
  throw new Error(`no reference for ${op.name}`);
}
/** `acc = acc op x` element-wise, stored through a typed array (so wrapping and rounding are the type's). */
function fold(op: Op, acc: NumericArray, x: NumericArray): void {
  for (let i = 0; i < acc.length; i++) (acc as any)[i] = apply(op, (acc as any)[i], (x as any)[i]);
}
/** op over the inputs of ranks lo..hi (inclusive), in rank order. */
function reference(T: Ctor, n: number, op: Op, lo: number, hi: number, salt = 0): NumericArray {
  const acc = input(T, n, lo, salt);
  for (let r = lo + 1; r <= hi; r++) fold(op, acc, input(T, n, r, salt));
  return acc;
}
const OPS_ALL: Op[] = [SUM, PROD, MAX, MIN, LAND, LOR, LXOR];
const opsFor = (T: Ctor): Op[] => (FLOATS.includes(T) ? OPS_ALL : [...OPS_ALL, BAND, BOR, BXOR]);

// ---- allreduceInto, scanInto, exscanInto: every type, every op, in place or not -----------

for (const T of ALL) {
  for (const op of opsFor(T)) {
    for (const n of [1, 6]) {
      for (const inPlace of [false, true]) {
        const what = `${T.name}(${n}) ${op.name}${inPlace ? " IN_PLACE" : ""}`;
        const mine = input(T, n, rank, op.name.length);
        const out = new T(n);
        if (inPlace) out.set(mine as any);
        comm.allreduceInto(inPlace ? IN_PLACE : mine, out, op);
        same(out, reference(T, n, op, 0, size - 1, op.name.length), `allreduceInto ${what}`);
        same(mine, input(T, n, rank, op.name.length), `allreduceInto ${what}: the input is untouched`);

        const s = new T(n);
        if (inPlace) s.set(mine as any);
        comm.scanInto(inPlace ? IN_PLACE : mine, s, op);
        same(s, reference(T, n, op, 0, rank, op.name.length), `scanInto ${what}`);

        const e = new T(n);
        const sentinel = isBig(T) ? 77n : 77;
        if (inPlace) e.set(mine as any);
        else e.fill(sentinel as never);
        comm.exscanInto(inPlace ? IN_PLACE : mine, e, op);
        if (rank === 0) {
          same(e, inPlace ? mine : new T(n).fill(sentinel as never), `exscanInto ${what}: rank 0 untouched`);
        } else same(e, reference(T, n, op, 0, rank - 1, op.name.length), `exscanInto ${what}`);
      }
    }
  }
}
// Empty arrays.
{
  const out = new Float64Array(0);
  comm.allreduceInto(new Float64Array(0), out);
  comm.scanInto(IN_PLACE, out);
  comm.exscanInto(new Float64Array(0), out, MAX);
}

// ---- the same bits on every rank ----------------------------------------------------------

{
  // Values whose sum rounds differently in different orders, NaNs and signed zeros under MAX/MIN.
  const n = 64;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(rank * 131 + i * 7) * 10 ** ((i % 9) - 4);
  const special = new Float64Array([NaN, rank % 2 ? -0 : 0, rank % 2 ? 0 : -0, rank === 1 ? NaN : 1, -0, 0]);
  for (const [v, op] of [[x, SUM], [x, PROD], [special, MAX], [special, MIN], [special, SUM]] as const) {
    for (const inPlace of [false, true]) {
      const out = new Float64Array(v.length);
      if (inPlace) out.set(v);
      comm.allreduceInto(inPlace ? IN_PLACE : v, out, op);
      const bits = comm.allgather(new Uint8Array(out.buffer.slice(0)));
      for (let r = 0; r < size; r++) {
        same(bits[r], bits[0], `allreduceInto ${op.name}: rank ${r}'s bits against rank 0's`);
      }
    }
  }
}

// ---- large arrays: allreduce's ring, bcast's scatter + allgather --------------------------

{
  const n = 20_000; // 160 KB of float64
  const mine = input(Float64Array, n, rank, 3);
  const out = new Float64Array(n);
  comm.allreduceInto(mine, out);
  same(out, reference(Float64Array, n, SUM, 0, size - 1, 3), "allreduceInto (large) SUM");
  const force = pinned("allreduce");
  ran("allreduce", force === null || force === "slots" ? autoAllreduce(size, n * 8) : force, "allreduceInto (large)");
  // The same bits on every rank here too: sums whose rounding depends on the order.
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.sin(rank * 131 + i * 7) * 10 ** ((i % 9) - 4);
  const xo = new Float64Array(n);
  comm.allreduceInto(xs, xo);
  const digests = comm.allgather(digest(new Uint8Array(xo.buffer)));
  for (let r = 0; r < size; r++) {
    if (digests[r] !== digests[0]) fail(`allreduceInto (large) SUM: rank ${r}'s bits differ from rank 0's`);
  }
  let near = true;
  for (let i = 0; i < n && near; i++) {
    let s = 0;
    for (let r = 0; r < size; r++) s += Math.sin(r * 131 + i * 7) * 10 ** ((i % 9) - 4);
    near = Math.abs(xo[i] - s) <= 1e-12 * Math.max(1, Math.abs(s)) * size;
  }
  if (!near) fail("allreduceInto (large) SUM of rounding values: far from the sum");
  out.set(mine as Float64Array);
  comm.allreduceInto(IN_PLACE, out, MAX);
  same(out, reference(Float64Array, n, MAX, 0, size - 1, 3), "allreduceInto (large) MAX IN_PLACE");
  const ints = input(Int32Array, 40_000, rank, 5);
  const iout = new Int32Array(40_000);
  comm.allreduceInto(ints, iout, BXOR);
  same(iout, reference(Int32Array, 40_000, BXOR, 0, size - 1, 5), "allreduceInto (large) Int32 BXOR");
  // A small array where the ring is pinned: it runs when there is an element per rank.
  const few = input(Float64Array, size, rank, 1);
  const fout = new Float64Array(size);
  comm.allreduceInto(few, fout, PROD);
  same(fout, reference(Float64Array, size, PROD, 0, size - 1, 1), "allreduceInto (p elements) PROD");
  if (force !== null) ran("allreduce", force, "allreduceInto (p elements), pinned");
}

// ---- reduceInto: every root ----------------------------------------------------------------

for (let root = 0; root < size; root++) {
  for (const T of [Float64Array, Int32Array, BigInt64Array, Uint8Array] as Ctor[]) {
    for (const op of opsFor(T)) {
      for (const inPlace of [false, true]) {
        const n = 5;
        const what = `reduceInto root ${root} ${T.name} ${op.name}${inPlace ? " IN_PLACE" : ""}`;
        const mine = input(T, n, rank, root);
        const out = rank === root ? new T(n) : null;
        if (inPlace && out !== null) out.set(mine as any);
        comm.reduceInto(inPlace && rank === root ? IN_PLACE : mine, out, op, root);
        if (out !== null) same(out, reference(T, n, op, 0, size - 1, root), what);
        same(mine, input(T, n, rank, root), `${what}: the input is untouched`);
      }
    }
  }
  // Large, and non-root ranks passing a recv anyway (it is not touched).
  const n = 30_000;
  const big = input(Float64Array, n, rank, 2);
  const other = new Float64Array(n).fill(5);
  comm.reduceInto(big, rank === root ? other : other, SUM, root);
  if (rank === root) same(other, reference(Float64Array, n, SUM, 0, size - 1, 2), `reduceInto (large) root ${root}`);
  else same(other, new Float64Array(n).fill(5), `reduceInto (large) root ${root}: a non-root's recv is untouched`);
}

// ---- bcastInto: every root, every size class -----------------------------------------------

for (let root = 0; root < size; root++) {
  for (
    const [T, n] of [[Float64Array, 0], [Float64Array, 1], [Int16Array, 9], [BigUint64Array, 3], [
      Float64Array,
      20_000,
    ]] as const
  ) {
    const buf = rank === root ? input(T, n, root, 4) : new T(n);
    comm.bcastInto(buf, root);
    same(buf, input(T, n, root, 4), `bcastInto root ${root} ${T.name}(${n})`);
    const force = pinned("bcast");
    if (n === 20_000 && size > 2 && force === null) ran("bcast", "scatter_allgather", "bcastInto (large)");
    // (A buffer too large for a shared slot runs the automatic choice when slots are pinned.)
    const slotted = n * T.BYTES_PER_ELEMENT <= SLOT_DATA_BYTES;
    if (force === null && size > 1 && slotted) ran("bcast", "slots", `bcastInto ${T.name}(${n})`);
    if (force !== null && size > 1 && n > 0 && (force !== "slots" || slotted)) {
      ran("bcast", force, `bcastInto ${T.name}(${n}), pinned`);
    }
  }
}

// ---- allgatherInto, gatherInto, scatterInto, alltoallInto ----------------------------------

/** Rank r's block of n elements for an allgather / gather / scatter (block j of rank r's alltoall input: salt j). */
const block = (T: Ctor, n: number, r: number, salt = 0) => input(T, n, r, 100 + salt);
function concat(T: Ctor, parts: NumericArray[]): NumericArray {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new T(n);
  let o = 0;
  for (const p of parts) {
    out.set(p as any, o);
    o += p.length;
  }
  return out;
}

for (
  const [T, n] of [[Float64Array, 0], [Float64Array, 1], [Int32Array, 3], [BigInt64Array, 2], [Uint8Array, 7], [
    Float64Array,
    9000,
  ]] as const
) {
  const all = concat(T, ranks.map((r) => block(T, n, r)));
  for (const inPlace of [false, true]) {
    const tag = `${T.name}(${n})${inPlace ? " IN_PLACE" : ""}`;
    // allgather
    const out = new T(size * n);
    if (inPlace) out.set(block(T, n, rank) as any, rank * n);
    comm.allgatherInto(inPlace ? IN_PLACE : block(T, n, rank), out);
    same(out, all, `allgatherInto ${tag}`);
    const force = pinned("allgather");
    if (size > 1) {
      const slotted = (force === null || force === "slots") && n * T.BYTES_PER_ELEMENT <= SLOT_DATA_BYTES;
      ran(
        "allgather",
        slotted ? "slots" : force === "ring" || (size & (size - 1)) !== 0 ? "ring" : "recursive_doubling",
        `allgatherInto ${tag}`,
      );
    }
    // alltoall: rank r's block j is block(T, n, r, j); rank j gets them in rank order.
    const send = concat(T, ranks.map((j) => block(T, n, rank, j)));
    const got = new T(size * n);
    if (inPlace) got.set(send as any);
    comm.alltoallInto(inPlace ? IN_PLACE : send, got);
    same(got, concat(T, ranks.map((r) => block(T, n, r, rank))), `alltoallInto ${tag}`);
    if (!inPlace) same(send, concat(T, ranks.map((j) => block(T, n, rank, j))), `alltoallInto ${tag}: send untouched`);
    for (let root = 0; root < size; root++) {
      // gather
      const g = rank === root ? new T(size * n) : null;
      if (inPlace && g !== null) g.set(block(T, n, rank) as any, rank * n);
      comm.gatherInto(inPlace && rank === root ? IN_PLACE : block(T, n, rank), g, root);
      if (g !== null) same(g, all, `gatherInto root ${root} ${tag}`);
      // scatter
      const r = inPlace && rank === root ? IN_PLACE : new T(n);
      comm.scatterInto(rank === root ? all : null, r, root);
      if (r !== IN_PLACE) same(r, block(T, n, rank), `scatterInto root ${root} ${tag}`);
      else same(all, concat(T, ranks.map((q) => block(T, n, q))), `scatterInto root ${root} ${tag}: send untouched`);
    }
  }
}

// ---- user ops: not commutative, not element-wise ----------------------------------------------

{
  // 2×2 matrix product (associative, not commutative), on small integers: exact.
  const matmul = createOp((a: Float64Array, b: Float64Array) => {
    const [a0, a1, a2, a3] = a;
    a[0] = a0 * b[0] + a1 * b[2];
    a[1] = a0 * b[1] + a1 * b[3];
    a[2] = a2 * b[0] + a3 * b[2];
    a[3] = a2 * b[1] + a3 * b[3];
    return a; // modifies an operand, the MPI way
  }, { name: "matmul" });
  const m = (r: number) => new Float64Array([1, r + 1, r % 2, 1]);
  const product = (lo: number, hi: number) => {
    const acc = m(lo);
    for (let r = lo + 1; r <= hi; r++) {
      const [a0, a1, a2, a3] = acc;
      const b = m(r);
      acc.set([a0 * b[0] + a1 * b[2], a0 * b[1] + a1 * b[3], a2 * b[0] + a3 * b[2], a2 * b[1] + a3 * b[3]]);
    }
    return acc;
  };
  for (const inPlace of [false, true]) {
    const mine = m(rank);
    const out = new Float64Array(4);
    if (inPlace) out.set(mine);
    comm.allreduceInto(inPlace ? IN_PLACE : mine, out, matmul);
    same(out, product(0, size - 1), `allreduceInto matmul${inPlace ? " IN_PLACE" : ""}`);
    same(mine, m(rank), "allreduceInto matmul: the input is untouched");
    const s = new Float64Array(4);
    if (inPlace) s.set(mine);
    comm.scanInto(inPlace ? IN_PLACE : mine, s, matmul);
    same(s, product(0, rank), `scanInto matmul${inPlace ? " IN_PLACE" : ""}`);
    const e = new Float64Array(4).fill(9);
    if (inPlace) e.set(mine);
    comm.exscanInto(inPlace ? IN_PLACE : mine, e, matmul);
    if (rank > 0) same(e, product(0, rank - 1), `exscanInto matmul${inPlace ? " IN_PLACE" : ""}`);
    same(mine, m(rank), "exscanInto matmul: the input is untouched");
    for (let root = 0; root < size; root++) {
      const r = rank === root ? new Float64Array(4) : null;
      comm.reduceInto(mine, r, matmul, root);
      if (r !== null) same(r, product(0, size - 1), `reduceInto matmul root ${root}`);
    }
  }
}

// ---- a sub-communicator, and the value calls still agree ------------------------------------

{
  const half = comm.split(rank % 2)!;
  const v = new Float64Array([rank, 1]);
  const out = new Float64Array(2);
  half.allreduceInto(v, out);
  same(out, half.allreduce(v), "allreduceInto on a split communicator against allreduce");
  const g = new Float64Array(2 * half.size);
  half.allgatherInto(v, g);
  same(g, concat(Float64Array, half.allgather(v)), "allgatherInto on a split communicator against allgather");
  const b = new Int32Array([half.rank === half.size - 1 ? 42 : 0]);
  half.bcastInto(b, half.size - 1);
  same(b, [42], "bcastInto on a split communicator");
}

// Loops of the same call with the same arrays (the steady state: cached views and scratch).
{
  const a = new Float64Array([rank]);
  const out = new Float64Array(1);
  for (let i = 0; i < 200; i++) {
    comm.allreduceInto(a, out);
    if (out[0] !== (size * (size - 1)) / 2) fail(`allreduceInto in a loop: ${out[0]} at ${i}`);
  }
}
comm.barrier();

// The collectives on the MPI backend's own collectives (Transport.native):
// every buffer call and the value calls that map to MPI (allreduce, reduce,
// scan, exscan, bcast, barrier), every rank and root, several element types
// and ops, IN_PLACE, checked against references computed locally; that MPI's
// own algorithm ran where it applies (a built-in op MPI has for the type) and
// spmd's otherwise (user ops, Float16Array, Uint8ClampedArray, LAND on
// floats, unsigned MAX/MIN on a library that orders them wrongly); and that
// disagreeing arguments and mismatched collectives throw the same error on
// every rank, the communicator usable afterwards.
//
// Under an MPI launcher (`mpiexec -n 3 deno run -A tests/programs/mpi_native.ts`)
// and on shared memory (`deno run -A cli.ts -n 3 tests/programs/mpi_native.ts`,
// where nothing runs natively) alike; rank 0 prints "ok" at the end.
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
  SpmdError,
  SUM,
  world,
} from "../../mod.ts";
import { lastRun } from "../../collectives/_forced.ts";
import { typedKind } from "../../transport/typed.ts";

const comm = world();
const { rank, size } = comm;
const native = comm.transport.native ?? null;

function fail(what: string): never {
  throw new Error(`${what} (size ${size}, rank ${rank}, ${native === null ? "shm" : "mpi"})`);
}
function same(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) fail(`${what}: length ${a.length}, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) fail(`${what}: [${i}] is ${a[i]}, expected ${b[i]}`);
  }
}
function eq(a: unknown, b: unknown, what: string): void {
  if (!Object.is(a, b)) fail(`${what}: got ${Deno.inspect(a)}, expected ${Deno.inspect(b)}`);
}
/** The last `op` ran MPI's own collective exactly when `expected` (and the backend has them). */
function ran(op: string, expected: boolean, what: string): void {
  if (size === 1) return;
  const isNative = lastRun[op] === "native";
  if (isNative !== (expected && native !== null)) fail(`${what}: ran ${lastRun[op]}`);
}

type Ctor = { new (n: number): NumericArray; readonly name: string; readonly BYTES_PER_ELEMENT: number };
const F16 = (globalThis as Record<string, unknown>).Float16Array as Ctor | undefined;
const INTS: Ctor[] = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array];
const UNSIGNED: Ctor[] = [Uint8Array, Uint16Array, Uint32Array, BigUint64Array];
const FLOATS: Ctor[] = [Float32Array, Float64Array];
const INTEGER: Ctor[] = [...INTS, BigUint64Array];
const ALL: Ctor[] = [...INTEGER, ...FLOATS, Uint8ClampedArray, ...(F16 === undefined ? [] : [F16])];
const isBig = (T: Ctor) => T === BigInt64Array || T === BigUint64Array;

/** Rank r's input: small values, a zero (for the logical ops) and, on the last rank, the type's top value. */
function input(T: Ctor, n: number, r: number, salt = 0): NumericArray {
  const a = new T(n);
  for (let i = 0; i < n; i++) {
    const v = i === 1 ? 0 : ((r + 1) * (i + 3) + salt) % 7 + 1;
    (a as Float64Array)[i] = (isBig(T) ? BigInt(v) : v) as number;
  }
  if (n > 2 && r === size - 1 && UNSIGNED.includes(T)) (a as Float64Array)[2] = (isBig(T) ? -1n : -1) as number; // wraps to the top
  return a;
}
function apply(T: Ctor, op: Op, a: any, b: any): any {
  const big = isBig(T);
  const truth = (x: boolean) => (big ? (x ? 1n : 0n) : x ? 1 : 0);
  switch (op) {
    case SUM:
      return a + b;
    case PROD:
      return T === Int32Array || T === Uint32Array ? Math.imul(a, b) : a * b;
    case MAX:
      return b > a ? b : a;
    case MIN:
      return b < a ? b : a;
    case LAND:
      return truth(!!a && !!b);
    case LOR:
      return truth(!!a || !!b);
    case LXOR:
      return truth(!!a !== !!b);
    case BAND:
      return a & b;
    case BOR:
      return a | b;
    case BXOR:
      return a ^ b;
  }
  return a + b; // the user op below, `plus`
}
/** op over the inputs of ranks lo..hi, in rank order, stored in a T (so it wraps as the type does). */
function reference(T: Ctor, n: number, op: Op, lo: number, hi: number, salt = 0): NumericArray {
  const acc = input(T, n, lo, salt) as any;
  for (let r = lo + 1; r <= hi; r++) {
    const x = input(T, n, r, salt) as any;
    for (let i = 0; i < n; i++) acc[i] = apply(T, op, acc[i], x[i]);
  }
  return acc;
}
/** Whether MPI reduces T with op itself. */
function nativeReduces(T: Ctor, op: Op): boolean {
  return native !== null && op.family !== "user" && native.reduces(typedKind(new T(0)), op.name);
}
const plus = createOp((a: NumericArray, b: NumericArray) => (a as Float64Array).map((x, i) => x + (b as any)[i]), {
  name: "plus",
});
const opsFor = (T: Ctor): Op[] =>
  INTEGER.includes(T) ? [SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR] : [SUM, PROD, MAX, MIN, LAND];

// ---- reductions: allreduceInto, reduceInto (every root), scanInto, exscanInto ---------------------

for (const T of ALL) {
  for (const op of [...opsFor(T), ...(T === Float64Array ? [plus] : [])]) {
    const n = 5;
    const salt = op.name.length;
    const expectNative = nativeReduces(T, op);
    const what = `${T.name} ${op.name}`;
    for (const inPlace of [false, true]) {
      const mine = input(T, n, rank, salt);
      const out = new T(n);
      if (inPlace) out.set(mine as any);
      comm.allreduceInto(inPlace ? IN_PLACE : mine, out, op);
      same(out, reference(T, n, op, 0, size - 1, salt), `allreduceInto ${what}${inPlace ? " IN_PLACE" : ""}`);
      same(mine, input(T, n, rank, salt), `allreduceInto ${what}: input untouched`);
      ran("allreduce", expectNative, `allreduceInto ${what}`);
    }
    for (let root = 0; root < size; root++) {
      const inPlace = root % 2 === 1;
      const mine = input(T, n, rank, salt);
      const out = rank === root ? new T(n) : null;
      if (inPlace && out !== null) out.set(mine as any);
      comm.reduceInto(inPlace && rank === root ? IN_PLACE : mine, out, op, root);
      if (out !== null) same(out, reference(T, n, op, 0, size - 1, salt), `reduceInto ${what} root ${root}`);
      ran("reduce", expectNative, `reduceInto ${what} root ${root}`);
    }
    if (op === plus) continue; // (a user op's scan runs spmd's algorithm: tested elsewhere)
    for (const exclusive of [false, true]) {
      const call = exclusive ? "exscanInto" : "scanInto";
      const out = new T(n).fill((isBig(T) ? 9n : 9) as never);
      comm[call](input(T, n, rank, salt), out, op);
      const want = exclusive
        ? (rank === 0 ? new T(n).fill((isBig(T) ? 9n : 9) as never) : reference(T, n, op, 0, rank - 1, salt))
        : reference(T, n, op, 0, rank, salt);
      same(out, want, `${call} ${what}`);
      ran("scan", expectNative, `${call} ${what}`);
    }
  }
}
// A large array, and one element.
for (const n of [1, 100_000]) {
  const out = new Float64Array(n);
  comm.allreduceInto(input(Float64Array, n, rank), out);
  same(out, reference(Float64Array, n, SUM, 0, size - 1), `allreduceInto Float64Array(${n})`);
  ran("allreduce", true, `allreduceInto Float64Array(${n})`);
}

// ---- value calls ---------------------------------------------------------------------------

eq(comm.allreduce(rank + 1), (size * (size + 1)) / 2, "allreduce of a number");
ran("allreduce", true, "allreduce of a number");
eq(comm.allreduce(rank + 0.5, MAX), size - 0.5, "allreduce MAX of a number");
eq(comm.allreduce(rank, LAND), 0, "allreduce LAND of a number");
ran("allreduce", false, "allreduce LAND of a number (spmd's own semantics)");
same(
  comm.allreduce(input(Int32Array, 4, rank)) as NumericArray,
  reference(Int32Array, 4, SUM, 0, size - 1),
  "allreduce Int32Array",
);
ran("allreduce", true, "allreduce of an Int32Array");
same(comm.allreduce([rank, 1]) as number[], [(size * (size - 1)) / 2, size], "allreduce of an array");
ran("allreduce", false, "allreduce of an array");
for (let root = 0; root < size; root++) {
  eq(
    comm.reduce(rank + 1, PROD, root),
    rank === root ? [...Array(size)].reduce((p, _, i) => p * (i + 1), 1) : null,
    "reduce",
  );
  ran("reduce", true, "reduce of a number");
  const r = comm.reduce(input(Float32Array, 3, rank), MIN, root) as NumericArray | null;
  if (rank === root) same(r!, reference(Float32Array, 3, MIN, 0, size - 1), `reduce Float32Array root ${root}`);
  else eq(r, null, "reduce elsewhere");
  // bcast: a typed array of any kind (a DataView too) by MPI, other values by spmd's tree.
  const b = comm.bcast(rank === root ? input(Int16Array, 4, root) : null, root) as NumericArray;
  same(b, input(Int16Array, 4, root), `bcast Int16Array root ${root}`);
  ran("bcast", true, `bcast Int16Array root ${root}`);
  const dv = comm.bcast(rank === root ? new DataView(new Uint8Array([1, 2, root]).buffer) : null, root) as DataView;
  eq(dv instanceof DataView && dv.byteLength === 3 && dv.getUint8(2), root, `bcast DataView root ${root}`);
  eq((comm.bcast(rank === root ? { root } : null, root) as { root: number }).root, root, `bcast object root ${root}`);
  ran("bcast", false, `bcast of an object root ${root}`);
}
eq(comm.scan(rank + 1), ((rank + 1) * (rank + 2)) / 2, "scan of a number");
eq(comm.exscan(rank + 1), rank === 0 ? null : (rank * (rank + 1)) / 2, "exscan of a number");
ran("scan", true, "exscan of a number");
same(comm.scan(input(Uint16Array, 3, rank), BOR) as NumericArray, reference(Uint16Array, 3, BOR, 0, rank), "scan BOR");
comm.barrier();
ran("barrier", true, "barrier");

// ---- data movement: bcastInto, gatherInto, scatterInto (every root), allgatherInto, alltoallInto ----

for (const T of [Uint8Array, Float64Array, BigInt64Array, Uint8ClampedArray]) {
  for (const n of [0, 1, 3, 1000]) {
    const block = (r: number, salt = 0) => input(T, n, r, salt + 11);
    const concat = (parts: NumericArray[]) => {
      const out = new T(n * parts.length);
      parts.forEach((p, i) => out.set(p as any, i * n));
      return out;
    };
    const what = `${T.name}(${n})`;
    for (let root = 0; root < size; root++) {
      const buf = rank === root ? block(root) : new T(n);
      comm.bcastInto(buf, root);
      same(buf, block(root), `bcastInto ${what} root ${root}`);
      ran("bcast", true, `bcastInto ${what}`);
      const inPlace = root % 2 === 0;
      const recv = rank === root ? new T(n * size) : null;
      if (inPlace && recv !== null) recv.set(block(rank) as any, rank * n);
      comm.gatherInto(inPlace && rank === root ? IN_PLACE : block(rank), recv, root);
      if (recv !== null) {
        same(
          recv,
          concat([...Array(size).keys()].map((r) => block(r))),
          `gatherInto ${what} root ${root}`,
        );
      }
      ran("gather", true, `gatherInto ${what}`);
      const all = concat([...Array(size).keys()].map((r) => block(r, root)));
      const mine = new T(n);
      if (inPlace && rank === root) {
        comm.scatterInto(all, IN_PLACE, root);
      } else {
        comm.scatterInto(rank === root ? all : null, mine, root);
        same(mine, block(rank, root), `scatterInto ${what} root ${root}`);
      }
      ran("scatter", true, `scatterInto ${what}`);
    }
    for (const inPlace of [false, true]) {
      const recv = new T(n * size);
      if (inPlace) recv.set(block(rank) as any, rank * n);
      comm.allgatherInto(inPlace ? IN_PLACE : block(rank), recv);
      same(recv, concat([...Array(size).keys()].map((r) => block(r))), `allgatherInto ${what}`);
      ran("allgather", true, `allgatherInto ${what}`);
      // alltoall: block j of rank r's send is block(r, salt j); rank r gets block(j, salt r) from every j.
      const send = concat([...Array(size).keys()].map((j) => block(rank, j)));
      const out = inPlace ? send : new T(n * size);
      comm.alltoallInto(inPlace ? IN_PLACE : send, out);
      same(out, concat([...Array(size).keys()].map((j) => block(j, rank))), `alltoallInto ${what}`);
      ran("alltoall", true, `alltoallInto ${what}`);
    }
  }
}

// ---- disagreements: the same error on every rank, the communicator usable afterwards ----------

/** The message of the SpmdError `fn` throws, without the call's name; fails if it returns. */
function thrown(fn: () => unknown, what: string): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SpmdError)) fail(`${what}: threw ${e}`);
    return e.message.slice(e.message.indexOf(": ") + 2);
  }
  return fail(`${what}: returned`);
}
function everywhere(fn: () => unknown, re: RegExp, what: string): void {
  const m = thrown(fn, what);
  if (!re.test(m)) fail(`${what}: message ${JSON.stringify(m)} does not match ${re}`);
  const all = comm.allgather(m);
  if (all.some((x) => x !== m)) fail(`${what}: ranks disagree: ${JSON.stringify(all)}`);
  eq(comm.allreduce(1), size, `${what}: allreduce afterwards`);
}
if (size > 1) {
  const odd = size - 1;
  const len = (r: number) => (r === odd ? 3 : 2);
  everywhere(
    () => comm.allreduceInto(new Float64Array(len(rank)), new Float64Array(len(rank))),
    /^ranks? [\d, -]+ passed Float64Array\([23]\) but ranks? [\d, -]+ passed Float64Array\([23]\)$/,
    "allreduceInto of unequal lengths",
  );
  everywhere(
    () => comm.allreduceInto(new Float64Array(2), new Float64Array(2), rank === odd ? MAX : SUM),
    /^rank \d+ passed op MAX but ranks? [\d, -]+ passed op SUM$/,
    "allreduceInto with another op on one rank",
  );
  everywhere(
    () =>
      comm.allgatherInto(
        rank === odd ? new Int32Array(1) : new Float32Array(1),
        rank === odd ? new Int32Array(size) : new Float32Array(size),
      ),
    /^ranks? [\d, -]+ passed (Int32|Float32)Array\(1\) but ranks? [\d, -]+ passed (Int32|Float32)Array\(1\)$/,
    "allgatherInto of two types",
  );
  everywhere(
    () => comm.bcastInto(new Float64Array(len(rank)), 0),
    /^ranks? [\d, -]+ passed Float64Array\([23]\) but ranks? [\d, -]+ passed Float64Array\([23]\)$/,
    "bcastInto of unequal lengths",
  );
  everywhere(
    () => comm.allreduce(rank === odd ? new Float64Array(1) : 1),
    /^ranks? [\d, -]+ passed (a number|Float64Array\(1\)) but ranks? [\d, -]+ passed (a number|Float64Array\(1\))$/,
    "allreduce of a typed array against numbers",
  );
  everywhere(
    () => comm.scan(rank + 1, rank === odd ? MAX : SUM),
    /^rank \d+ passed op MAX but ranks? [\d, -]+ passed op SUM$/,
    "scan with another op on one rank",
  );
  const half = comm.split(rank % 2)!;
  if (native !== null && half.size > 1) {
    // On MPI every communicator has the round of agreement (on shared memory only those with the slots).
    const m = thrown(() => half.exscan(1, half.rank === half.size - 1 ? MIN : SUM), "exscan on a split");
    eq(
      m,
      `rank ${half.size - 1} passed op MIN but ${
        half.size === 2 ? "rank 0" : `ranks 0-${half.size - 2}`
      } passed op SUM`,
      "exscan on a split",
    );
    eq(half.allreduce(1), half.size, "the split afterwards");
  }
  everywhere(
    () => (rank === 0 ? comm.barrier() : comm.allreduceInto(new Float64Array(1), new Float64Array(1))),
    /^ranks? [\d, -]+ called (barrier|allreduceInto) but ranks? [\d, -]+ called (barrier|allreduceInto) \(mismatched collectives\)$/,
    "barrier against allreduceInto",
  );
}
comm.barrier();
if (rank === 0) console.log("ok");

// The reduction ops (ops.ts) and the typed-array helpers (transport/typed.ts)
// on their own, without ranks: what combine and combineInto compute for
// every built-in op, MAXLOC/MINLOC's order and ties, which inputs misfit
// reports (and with which code), user ops, and kinds, sizes, allocation and
// byte views of typed arrays.
import { deepEqual, equal, notEqual, throws } from "node:assert/strict";
import {
  BAND,
  BOR,
  BXOR,
  combine,
  combineInto,
  createOp,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  misfit,
  NO_OP,
  type Op,
  opMisfit,
  PROD,
  REPLACE,
  SUM,
  toOp,
} from "../ops.ts";
import {
  allocTyped,
  bytesOf,
  ELEMENT_BYTES,
  isNumericArray,
  KIND_BIGINT64,
  KIND_DATAVIEW,
  KIND_FLOAT16,
  KIND_FLOAT32,
  KIND_FLOAT64,
  KIND_INT8,
  KIND_TYPED_LAST,
  KIND_UINT8,
  KIND_UINT8C,
  typedKind,
  typedName,
} from "../transport/typed.ts";
import { kindName } from "../transport/codec.ts";
import { SpmdError } from "../errors.ts";

const spmdError = (message: string | RegExp, code: string) => (e: unknown) => {
  if (!(e instanceof SpmdError)) throw new Error(`expected an SpmdError, got ${e}`);
  equal(e.code, code);
  if (typeof message === "string") equal(e.message, message);
  else if (!message.test(e.message)) throw new Error(`${JSON.stringify(e.message)} does not match ${message}`);
  return true;
};

// ---- combine ---------------------------------------------------------------------

Deno.test("combine: arithmetic and comparison ops on numbers, bigints, arrays and typed arrays", () => {
  equal(combine("t", SUM, 2, 3), 5);
  equal(combine("t", PROD, 2n, 3n), 6n);
  equal(combine("t", MAX, -1, -4), -1);
  equal(combine("t", MIN, "b", "a"), "a");
  deepEqual(combine("t", SUM, [1, 2, 3], [10, 20, 30]), [11, 22, 33]);
  deepEqual(combine("t", MAX, new Int16Array([1, 9, -3]), new Int16Array([4, 2, -5])), new Int16Array([4, 9, -3]));
  deepEqual(combine("t", SUM, new BigInt64Array([1n, -2n]), new BigInt64Array([5n, 5n])), new BigInt64Array([6n, 3n]));
  // Float32 arithmetic rounds as the array type does.
  deepEqual(combine("t", SUM, new Float32Array([0.1]), new Float32Array([0.2])), new Float32Array([0.1 + 0.2]));
});

Deno.test("combine never modifies its operands and returns a new typed array", () => {
  const a = new Float64Array([1, 2]);
  const b = new Float64Array([3, 4]);
  const r = combine("t", SUM, a, b);
  deepEqual(r, new Float64Array([4, 6]));
  notEqual(r, a);
  deepEqual(a, new Float64Array([1, 2]));
  deepEqual(b, new Float64Array([3, 4]));
});

Deno.test("combine: logical ops give booleans on booleans and 0/1 on numbers; bitwise ops keep unsigned results", () => {
  equal(combine("t", LAND, true, false), false);
  equal(combine("t", LOR, false, true), true);
  equal(combine("t", LXOR, true, true), false);
  equal(combine("t", LAND, 2, 3), 1);
  equal(combine("t", LOR, 0, 0), 0);
  deepEqual(combine("t", LXOR, [1, 0, 1], [1, 1, 0]), [0, 1, 1]);
  equal(combine("t", BAND, 0b1100, 0b1010), 0b1000);
  equal(combine("t", BOR, 0x80000000, 1), 0x80000001); // not negative
  equal(combine("t", BXOR, -1, 1), -2); // a negative operand keeps signed results
  deepEqual(combine("t", BOR, new Uint8Array([1, 2]), new Uint8Array([4, 2])), new Uint8Array([5, 2]));
  deepEqual(combine("t", LAND, new BigInt64Array([2n, 0n]), new BigInt64Array([1n, 1n])), new BigInt64Array([1n, 0n]));
});

Deno.test("combine names the call and the op when operands do not fit together", () => {
  throws(
    () => combine("allreduce", SUM, 1, 1n),
    spmdError("allreduce: SUM cannot combine number 1 with bigint 1n", "MPI_ERR_OP"),
  );
  throws(
    () => combine("scan", SUM, new Float64Array(2), new Float64Array(3)),
    spmdError(/^scan: SUM cannot combine Float64Array.* with Float64Array/, "MPI_ERR_OP"),
  );
  throws(
    () => combine("scan", SUM, new Float64Array(2), new Float32Array(2)),
    spmdError(/^scan: SUM cannot combine/, "MPI_ERR_OP"),
  );
  throws(
    () => combine("reduce", MAX, [1, 2], [1]),
    spmdError("reduce: MAX needs arrays of equal length, got 2 and 1", "MPI_ERR_OP"),
  );
});

// ---- combineInto -----------------------------------------------------------------

Deno.test("combineInto accumulates in place for every element-wise built-in", () => {
  const cases: [Op, number[], number[], number[]][] = [
    [SUM, [1, 2, 3], [4, 5, 6], [5, 7, 9]],
    [PROD, [1, 2, 3], [4, 5, 6], [4, 10, 18]],
    [MAX, [1, 5, 3], [4, 2, 6], [4, 5, 6]],
    [MIN, [1, 5, 3], [4, 2, 6], [1, 2, 3]],
    [LAND, [1, 0, 3], [4, 5, 0], [1, 0, 0]],
    [LOR, [1, 0, 0], [0, 5, 0], [1, 1, 0]],
    [LXOR, [1, 0, 3], [4, 5, 0], [0, 1, 1]],
    [BAND, [12, 7, 1], [10, 2, 3], [8, 2, 1]],
    [BOR, [12, 7, 1], [10, 8, 2], [14, 15, 3]],
    [BXOR, [12, 7, 1], [10, 7, 3], [6, 0, 2]],
  ];
  for (const [op, a, b, want] of cases) {
    const acc = new Int32Array(a);
    const other = new Int32Array(b);
    combineInto("t", op, acc, other);
    deepEqual(acc, new Int32Array(want), op.name);
    deepEqual(other, new Int32Array(b), `${op.name} leaves b alone`);
  }
  const big = new BigUint64Array([3n, 0n]);
  combineInto("t", LOR, big, new BigUint64Array([0n, 0n]));
  deepEqual(big, new BigUint64Array([1n, 0n]));
});

Deno.test("combineInto: lengths must match; MAXLOC does not apply; a user op's result is copied in and checked", () => {
  throws(
    () => combineInto("reduce", SUM, new Float64Array(2), new Float64Array(1)),
    spmdError("reduce: SUM needs arrays of equal length, got 2 and 1", "MPI_ERR_OP"),
  );
  throws(
    () => combineInto("reduce", MAXLOC, new Float64Array(2), new Float64Array(2)),
    spmdError("reduce: MAXLOC does not apply to Float64Array", "MPI_ERR_OP"),
  );
  const acc = new Float64Array([1, 2]);
  combineInto(
    "t",
    createOp((a: Float64Array, b: Float64Array) => a.map((x, i) => x * 10 + b[i])),
    acc,
    new Float64Array([3, 4]),
  );
  deepEqual(acc, new Float64Array([13, 24]));
  const inPlace = createOp((a: Float64Array, b: Float64Array) => {
    for (let i = 0; i < a.length; i++) a[i] -= b[i];
    return a;
  });
  combineInto("t", inPlace, acc, new Float64Array([3, 4]));
  deepEqual(acc, new Float64Array([10, 20]));
  throws(
    () => combineInto("allreduce", createOp((a: Float64Array) => a.subarray(1), { name: "drop" }), acc, acc),
    spmdError("allreduce: user op drop must return a typed array of length 2", "MPI_ERR_OP"),
  );
});

// ---- MAXLOC / MINLOC -------------------------------------------------------------

Deno.test("MAXLOC/MINLOC: the winning [value, index] pair; ties go to the lower index", () => {
  deepEqual(combine("t", MAXLOC, [3, 0], [5, 1]), [5, 1]);
  deepEqual(combine("t", MAXLOC, [5, 2], [5, 1]), [5, 1]);
  deepEqual(combine("t", MAXLOC, [5, 1], [5, 2]), [5, 1]);
  deepEqual(combine("t", MINLOC, [3, 0], [5, 1]), [3, 0]);
  deepEqual(combine("t", MINLOC, [3, 4], [3, 2]), [3, 2]);
  deepEqual(combine("t", MAXLOC, [10n, 0], [9n, 1]), [10n, 0]);
  deepEqual(combine("t", MINLOC, ["pear", 0], ["apple", 1]), ["apple", 1]);
});

Deno.test("MAXLOC/MINLOC compare arrays and typed arrays lexicographically, a prefix first", () => {
  deepEqual(combine("t", MAXLOC, [[1, 2], 0], [[1, 3], 1]), [[1, 3], 1]);
  deepEqual(combine("t", MAXLOC, [[1, 2], 0], [[1, 2, 0], 1]), [[1, 2, 0], 1]);
  deepEqual(combine("t", MINLOC, [[1, 2], 0], [[1, 2, 0], 1]), [[1, 2], 0]);
  deepEqual(
    combine("t", MINLOC, [new Float64Array([2, 1]), 0], [new Float64Array([2, 0]), 1]),
    [new Float64Array([2, 0]), 1],
  );
  deepEqual(combine("t", MAXLOC, [[[1], "b"], 0], [[[1], "a"], 1]), [[[1], "b"], 0]);
});

Deno.test("MAXLOC/MINLOC name the call when values cannot be compared", () => {
  throws(
    () => combine("allreduce", MAXLOC, [1, 0], ["1", 1]),
    spmdError('allreduce: MAXLOC cannot compare "1" with 1', "MPI_ERR_OP"),
  );
  throws(() => combine("scan", MINLOC, [[1], 0], [[1n], 1]), spmdError(/^scan: MINLOC cannot compare/, "MPI_ERR_OP"));
});

// ---- misfit ----------------------------------------------------------------------

Deno.test("opMisfit: null where the op applies", () => {
  const fits: [Op, unknown][] = [
    [SUM, 1],
    [SUM, 1n],
    [SUM, new Float64Array(2)],
    [SUM, [1, 2n]],
    [LAND, true],
    [LAND, [true, 1]],
    [BAND, 0xffffffff],
    [BAND, -0x80000000],
    [BXOR, new BigInt64Array(1)],
    [MAXLOC, [[1, "a", [2n]], 3]],
    [MINLOC, [new Int8Array(2), 0]],
    [createOp((a) => a), { anything: true }],
  ];
  for (const [op, v] of fits) equal(opMisfit(op, v), null, `${op.name} ${Deno.inspect(v)}`);
});

Deno.test("opMisfit: why the op does not apply, naming the op and the value", () => {
  const misfits: [Op, unknown, string][] = [
    [SUM, true, "SUM does not apply to booleans (use LAND, LOR or LXOR), got true"],
    [SUM, { a: 1 }, "SUM applies to numbers, bigints, booleans, typed arrays and arrays of numbers, got { a: 1 }"],
    [SUM, "1", 'SUM applies to numbers, bigints, booleans, typed arrays and arrays of numbers, got "1"'],
    [SUM, [1, "a"], 'SUM applies element-wise to arrays of numbers, bigints or booleans, got [ 1, "a" ]'],
    [MAX, [true], "MAX does not apply to booleans, got [ true ]"],
    [BAND, 1.5, "BAND needs 32-bit integers (or bigints), got 1.5"],
    [BOR, 2 ** 32, "BOR needs 32-bit integers (or bigints), got 4294967296"],
    [BXOR, [1.5], "BXOR needs integers, got [ 1.5 ]"],
    [BAND, new Float64Array(1), "BAND does not apply to Float64Array, got Float64Array(byteLength 8)"],
    [MAXLOC, 3, "MAXLOC takes a [value, index] pair, got 3"],
    [MAXLOC, [1, "0"], 'MAXLOC takes a [value, index] pair, got [ 1, "0" ]'],
    [MINLOC, [{}, 0], "MINLOC compares numbers, bigints, strings and arrays of them, not {}"],
    [MINLOC, [[1, null], 0], "MINLOC compares numbers, bigints, strings and arrays of them, not null"],
  ];
  for (const [op, v, want] of misfits) equal(opMisfit(op, v), want);
});

Deno.test("misfit: a detached buffer first (MPI_ERR_BUFFER), then the op's misfit (MPI_ERR_OP)", () => {
  equal(misfit(SUM, 1), null);
  deepEqual(misfit(SUM, true), {
    message: "SUM does not apply to booleans (use LAND, LOR or LXOR), got true",
    code: "MPI_ERR_OP",
  });
  const a = new Int32Array(4);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  deepEqual(misfit(BAND, a), {
    message:
      "the Int32Array's ArrayBuffer is detached (it was transferred, e.g. by postMessage); its contents are gone",
    code: "MPI_ERR_BUFFER",
  });
});

// ---- user ops --------------------------------------------------------------------

Deno.test("createOp and toOp: user ops are not commutative or element-wise unless declared; one Op per function", () => {
  const f = (a: number, b: number) => a - b;
  const u = toOp("t", f);
  equal(u.family, "user");
  equal(u.commutative, false);
  equal(u.elementwise, false);
  equal(u.name, "f");
  equal(toOp("t", f), u);
  equal(toOp("t", SUM), SUM);
  equal(combine("t", u, 5, 3), 2);
  const c = createOp(f, { commutative: true, elementwise: true, name: "minus" });
  deepEqual([c.name, c.commutative, c.elementwise], ["minus", true, true]);
  equal(Object.isFrozen(c), true);
  for (const op of [SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR]) {
    deepEqual([op.commutative, op.elementwise], [true, true], op.name);
  }
  deepEqual([MAXLOC.elementwise, MINLOC.elementwise], [false, false]);
  throws(() => createOp(1 as never), spmdError("createOp: fn must be a function, got 1", "MPI_ERR_OP"));
  throws(
    () => toOp("allreduce", "SUM"),
    spmdError('allreduce: op must be SUM, MAX, ... or a function (a, b) => c, got "SUM"', "MPI_ERR_OP"),
  );
});

// ---- typed-array helpers ------------------------------------------------------------

Deno.test("typedKind: each typed array, a DataView, subclasses as their base type, 0 for anything else", () => {
  equal(typedKind(new Int8Array(1)), KIND_INT8);
  equal(typedKind(new Uint8Array(1)), KIND_UINT8);
  equal(typedKind(new Uint8ClampedArray(1)), KIND_UINT8C);
  equal(typedKind(new Float32Array(1)), KIND_FLOAT32);
  equal(typedKind(new Float64Array(1)), KIND_FLOAT64);
  equal(typedKind(new BigInt64Array(1)), KIND_BIGINT64);
  equal(typedKind(new DataView(new ArrayBuffer(1))), KIND_DATAVIEW);
  class Sub extends Float64Array {}
  equal(typedKind(new Sub(2)), KIND_FLOAT64);
  const F16 = (globalThis as any).Float16Array;
  if (F16 !== undefined) equal(typedKind(new F16(1)), KIND_FLOAT16);
  for (const v of [1, "a", null, undefined, [1], new ArrayBuffer(8), {}]) equal(typedKind(v), 0);
});

Deno.test("ELEMENT_BYTES, typedName, allocTyped and kindName agree for every typed kind", () => {
  for (let k = 1; k <= KIND_TYPED_LAST; k++) {
    const name = typedName(k);
    if (name === null) continue; // Float16Array where the runtime lacks it
    equal(kindName(k), name);
    const v = allocTyped(k, ELEMENT_BYTES[k] * 3);
    equal(v.constructor.name, name);
    equal(v.byteLength, ELEMENT_BYTES[k] * 3);
    equal(typedKind(v), k);
    if (k !== KIND_DATAVIEW) equal((v as Float64Array).BYTES_PER_ELEMENT, ELEMENT_BYTES[k]);
  }
  equal(typedName(0), null);
  equal(typedName(KIND_TYPED_LAST + 1), null);
  throws(() => allocTyped(KIND_FLOAT64, 12), spmdError(/not a whole number of elements/, "MPI_ERR_INTERN"));
  throws(() => allocTyped(0, 8), spmdError("recv: message of unknown kind 0", "MPI_ERR_INTERN"));
});

Deno.test("bytesOf views the same memory; isNumericArray excludes DataView", () => {
  const buf = new ArrayBuffer(16);
  const f = new Float64Array(buf, 8, 1);
  const u8 = bytesOf(f);
  equal(u8.buffer, buf);
  deepEqual([u8.byteOffset, u8.length], [8, 8]);
  f[0] = 1;
  equal(new Float64Array(u8.slice().buffer)[0], 1);
  const plain = new Uint8Array(4);
  equal(bytesOf(plain), plain);
  equal(bytesOf(new DataView(buf, 4, 2)).length, 2);
  equal(isNumericArray(new Float32Array(1)), true);
  equal(isNumericArray(new DataView(buf)), false);
  equal(isNumericArray([1]), false);
});

Deno.test("ops are functions of two operands, as mpi4py's are, and still ops", () => {
  equal(SUM(2, 3), 5);
  equal(PROD(3, 4), 12);
  equal(BXOR(6, 3), 5);
  deepEqual(MAX(new Int32Array([1, 5]), new Int32Array([4, 2])), new Int32Array([4, 5]));
  equal(REPLACE(1, 2), 2);
  equal(NO_OP(1, 2), 1);
  const cat = createOp((a: string, b: string) => a + b, { name: "cat" });
  equal(cat("a", "b"), "ab");
  equal(toOp("reduce", SUM), SUM); // an op is taken as itself, not as a user function
  equal(toOp("reduce", cat), cat);
  equal(SUM.name, "SUM");
  throws(() => SUM(new Int32Array(2), new Float64Array(2)), /SUM: SUM cannot combine/);
});

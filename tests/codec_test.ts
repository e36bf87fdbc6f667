// transport/codec.ts and transport/typed.ts on their own: how a value becomes
// (kind, bytes) and back, and the errors that name the call.
import { deepEqual, equal, notEqual, ok, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { serialize } from "node:v8";
import { SpmdError } from "../errors.ts";
import {
  checkAttached,
  decode,
  encode,
  KIND_FALSE,
  KIND_NULL,
  KIND_NUMBER,
  KIND_STRING,
  KIND_STRUCTURED,
  KIND_TRUE,
  KIND_UNDEFINED,
  kindName,
} from "../transport/codec.ts";
import {
  allocTyped,
  bytesOf,
  ELEMENT_BYTES,
  isTypedKind,
  KIND_BIGINT64,
  KIND_BIGUINT64,
  KIND_DATAVIEW,
  KIND_FLOAT16,
  KIND_FLOAT32,
  KIND_FLOAT64,
  KIND_INT16,
  KIND_INT32,
  KIND_INT8,
  KIND_TYPED_LAST,
  KIND_UINT16,
  KIND_UINT32,
  KIND_UINT8,
  KIND_UINT8C,
  typedKind,
} from "../transport/typed.ts";

// deno-lint-ignore no-explicit-any
const Float16: any = (globalThis as any).Float16Array;

/** Every typed kind this runtime has, with its constructor. */
const TYPED: [number, new (b: ArrayBufferLike, off: number, len: number) => ArrayBufferView][] = [
  [KIND_INT8, Int8Array],
  [KIND_UINT8, Uint8Array],
  [KIND_UINT8C, Uint8ClampedArray],
  [KIND_INT16, Int16Array],
  [KIND_UINT16, Uint16Array],
  [KIND_INT32, Int32Array],
  [KIND_UINT32, Uint32Array],
  [KIND_FLOAT32, Float32Array],
  [KIND_FLOAT64, Float64Array],
  [KIND_BIGINT64, BigInt64Array],
  [KIND_BIGUINT64, BigUint64Array],
  [KIND_DATAVIEW, DataView],
  ...(Float16 === undefined ? [] : [[KIND_FLOAT16, Float16] as [number, typeof Float64Array]]),
];

/** Encodes and decodes a non-typed value, checking the kind. */
function roundTrip(value: unknown, kind: number): unknown {
  const e = encode(value, "send");
  equal(e.kind, kind, `kind of ${String(value)}`);
  return decode(e.kind, e.bytes);
}

/** Receives a typed message as the inbox does: allocate by kind, copy the bytes in. */
function receiveTyped(kind: number, bytes: Uint8Array): ArrayBufferView {
  const v = allocTyped(kind, bytes.length);
  new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(bytes);
  return v;
}

/** Asserts that `f` throws an SpmdError with `code` whose message matches every pattern. */
function throwsSpmd(f: () => unknown, code: string, ...patterns: (string | RegExp)[]): void {
  throws(f, (e: unknown) => {
    ok(e instanceof SpmdError, `an SpmdError, got ${e}`);
    equal(e.code, code, e.message);
    for (const p of patterns) {
      ok(typeof p === "string" ? e.message.includes(p) : p.test(e.message), `${JSON.stringify(e.message)} ~ ${p}`);
    }
    return true;
  });
}

/** A detached ArrayBuffer of `n` bytes, and a view of each kind made before it was detached. */
function detached(n: number): { buffer: ArrayBuffer; f64: Float64Array; dv: DataView } {
  const buffer = new ArrayBuffer(n);
  const f64 = new Float64Array(buffer);
  const dv = new DataView(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  ok(buffer.detached);
  return { buffer, f64, dv };
}

Deno.test("codec: numbers travel as one float64, -0, NaN and infinities included", () => {
  for (
    const x of [0, -0, NaN, Infinity, -Infinity, 1.5, -1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -7]
  ) {
    const e = encode(x, "send");
    equal(e.kind, KIND_NUMBER);
    equal(e.bytes.length, 8);
    deepEqual(e.bytes, new Uint8Array(new Float64Array([x]).buffer));
    ok(Object.is(decode(e.kind, e.bytes), x), `${Object.is(x, -0) ? "-0" : x} round-trips`);
  }
});

Deno.test("codec: well-formed strings travel as UTF-8; lone surrogates keep their UTF-16 through structured clone", () => {
  for (
    const s of ["", "abc", "héllo wörld", "日本語テキスト", "emoji 😀 pair", "nul\u0000inside", "x".repeat(100_000)]
  ) {
    const e = encode(s, "send");
    equal(e.kind, KIND_STRING);
    deepEqual(e.bytes, new TextEncoder().encode(s));
    equal(decode(e.kind, e.bytes), s);
  }
  for (const s of ["\ud800", "a\udc00b", "\udfff\ud800", "😀\ud83d"]) {
    const back = roundTrip(s, KIND_STRUCTURED) as string;
    deepEqual([...back].map((c) => c.charCodeAt(0)), [...s].map((c) => c.charCodeAt(0)), "every code unit kept");
    equal(back, s);
  }
});

Deno.test("codec: booleans, null and undefined are kinds of their own with no payload", () => {
  for (const [v, kind] of [[true, KIND_TRUE], [false, KIND_FALSE], [null, KIND_NULL], [undefined, KIND_UNDEFINED]]) {
    const e = encode(v, "send");
    deepEqual([e.kind, e.bytes.length], [kind, 0]);
    equal(decode(e.kind, e.bytes), v);
  }
});

Deno.test("codec: bigints, cycles, Map, Set, Date and nested typed arrays round-trip as structured values", () => {
  for (const b of [0n, -1n, 2n ** 100n, -(3n ** 80n)]) equal(roundTrip(b, KIND_STRUCTURED), b);
  const obj: Record<string, unknown> = { n: -0, s: "é", list: [1, "two", null, undefined], big: 5n };
  obj.self = obj;
  const back = roundTrip(obj, KIND_STRUCTURED) as Record<string, unknown>;
  notEqual(back, obj, "a copy");
  equal(back.self, back, "the cycle is kept");
  ok(Object.is(back.n, -0));
  deepEqual(back.list as unknown[], [1, "two", null, undefined]);
  equal(back.big, 5n);
  const arr: unknown[] = [1];
  arr.push(arr);
  const arrBack = roundTrip(arr, KIND_STRUCTURED) as unknown[];
  equal(arrBack[1], arrBack);
  const shared = { k: 1 };
  const map = new Map<unknown, unknown>([["a", 1], [2, shared], [shared, new Set([1, "x", shared])]]);
  const mapBack = roundTrip(map, KIND_STRUCTURED) as Map<unknown, unknown>;
  ok(mapBack instanceof Map);
  equal(mapBack.get("a"), 1);
  const sharedBack = mapBack.get(2);
  deepEqual(sharedBack, shared);
  const setBack = mapBack.get(sharedBack) as Set<unknown>;
  ok(setBack instanceof Set && setBack.has(sharedBack), "an object used twice stays one object");
  const d = new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123));
  const dBack = roundTrip(d, KIND_STRUCTURED) as Date;
  ok(dBack instanceof Date);
  equal(dBack.getTime(), d.getTime());
  const nested = {
    f: new Float64Array([1.5, -0, NaN]),
    u: new Uint8Array([1, 2, 3]).subarray(1),
    ab: new ArrayBuffer(3),
  };
  new Uint8Array(nested.ab).set([7, 8, 9]);
  const nBack = roundTrip(nested, KIND_STRUCTURED) as typeof nested;
  equal(nBack.f.constructor, Float64Array);
  deepEqual(bytesOf(nBack.f), bytesOf(nested.f), "the bits of -0 and NaN kept");
  deepEqual(nBack.u, new Uint8Array([2, 3]));
  deepEqual(new Uint8Array(nBack.ab), new Uint8Array([7, 8, 9]));
  deepEqual(roundTrip(nested.ab, KIND_STRUCTURED), nested.ab);
});

Deno.test("codec: typed arrays of every type travel as their own bytes, without a copy", () => {
  for (const shared of [false, true]) {
    for (const [kind, Ctor] of TYPED) {
      const size = ELEMENT_BYTES[kind];
      const buffer = shared ? new SharedArrayBuffer(64) : new ArrayBuffer(64);
      new Uint8Array(buffer).forEach((_, i, a) => a[i] = i * 7 + 3);
      const view = new Ctor(buffer, 8, 32 / size); // 32 bytes at offset 8
      equal(typedKind(view), kind);
      ok(isTypedKind(kind));
      const e = encode(view, "send");
      equal(e.kind, kind, Ctor.name);
      equal(e.bytes.buffer, buffer, "the bytes view the caller's memory");
      deepEqual([e.bytes.byteOffset, e.bytes.byteLength], [8, 32]);
      new Uint8Array(buffer)[8] = 250;
      equal(e.bytes[0], 250, "a later write to the array shows in the encoded bytes");
      const back = receiveTyped(e.kind, e.bytes);
      equal(back.constructor, Ctor);
      deepEqual(new Uint8Array(back.buffer, back.byteOffset, back.byteLength), new Uint8Array(buffer, 8, 32));
      if (kind !== KIND_DATAVIEW) deepEqual(back, new Ctor(buffer.slice(8, 40), 0, 32 / size));
    }
  }
  const u8 = new Uint8Array([1, 2, 3]);
  equal(bytesOf(u8), u8, "a plain Uint8Array is its own byte view");
  equal(encode(u8, "send").bytes, u8);
  const empty = encode(new Float64Array(0), "send");
  deepEqual([empty.kind, empty.bytes.length], [KIND_FLOAT64, 0]);
});

Deno.test("codec: subclasses of typed arrays and Node's Buffer travel as their base type", () => {
  class Vec extends Float64Array {
    norm(): number {
      return Math.hypot(...this);
    }
  }
  class Bytes extends Uint8Array {}
  class View extends DataView<ArrayBuffer> {}
  const vec = new Vec([3, 4]);
  const buf = Buffer.from("hello, world");
  const cases: [ArrayBufferView, number, unknown][] = [
    [vec, KIND_FLOAT64, Float64Array],
    [new Bytes([9, 8, 7]), KIND_UINT8, Uint8Array],
    [new View(new ArrayBuffer(8)), KIND_DATAVIEW, DataView],
    [buf, KIND_UINT8, Uint8Array],
  ];
  for (const [v, kind, base] of cases) {
    equal(typedKind(v), kind, v.constructor.name);
    const e = encode(v, "send");
    equal(e.kind, kind);
    equal(e.bytes.constructor, Uint8Array, "the byte view is a plain Uint8Array");
    equal(e.bytes.buffer, v.buffer);
    deepEqual([e.bytes.byteOffset, e.bytes.byteLength], [v.byteOffset, v.byteLength]);
    const back = receiveTyped(e.kind, e.bytes);
    equal(back.constructor, base, `${v.constructor.name} arrives as ${(base as { name: string }).name}`);
    deepEqual(new Uint8Array(back.buffer), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  equal(new TextDecoder().decode(bytesOf(buf)), "hello, world");
});

Deno.test("codec: typedKind, isTypedKind and kindName", () => {
  for (const v of [1, "s", null, undefined, [1, 2], { length: 1 }, new ArrayBuffer(8), new SharedArrayBuffer(8), 1n]) {
    equal(typedKind(v), 0, String(v));
  }
  for (let k = -1; k <= 30; k++) equal(isTypedKind(k), k >= 1 && k <= KIND_TYPED_LAST, `kind ${k}`);
  for (const [kind, Ctor] of TYPED) equal(kindName(kind), Ctor.name);
  if (Float16 === undefined) equal(kindName(KIND_FLOAT16), `kind ${KIND_FLOAT16}`);
  deepEqual(
    [KIND_NUMBER, KIND_STRING, KIND_TRUE, KIND_FALSE, KIND_NULL, KIND_UNDEFINED, KIND_STRUCTURED].map(kindName),
    ["number", "string", "boolean", "boolean", "null", "undefined", "structured value"],
  );
  for (const k of [0, 14, 19, 27, 99, -3]) equal(kindName(k), `kind ${k}`);
});

Deno.test("codec: allocTyped makes the type of a kind and refuses unknown kinds and partial elements", () => {
  for (const [kind, Ctor] of TYPED) {
    const v = allocTyped(kind, 48);
    equal(v.constructor, Ctor);
    equal(v.byteLength, 48);
    equal(v.byteOffset, 0);
    ok(new Uint8Array(v.buffer).every((b) => b === 0), "zeroed");
    equal(allocTyped(kind, 0).byteLength, 0);
  }
  throwsSpmd(() => allocTyped(KIND_FLOAT64, 12), "MPI_ERR_INTERN", "Float64Array message of 12 bytes", "whole number");
  throwsSpmd(() => allocTyped(KIND_INT16, 3), "MPI_ERR_INTERN", "Int16Array message of 3 bytes");
  equal(allocTyped(KIND_DATAVIEW, 3).byteLength, 3, "a DataView takes any length");
  for (const k of [0, 20, 26, 99]) throwsSpmd(() => allocTyped(k, 8), "MPI_ERR_INTERN", `unknown kind ${k}`);
});

Deno.test("codec: functions and symbols are refused with an error naming the call", () => {
  function named() {}
  throwsSpmd(
    () => encode(named, "bcast"),
    "MPI_ERR_TYPE",
    /^bcast: cannot send a function \(named\)/,
    "cannot be cloned",
  );
  throwsSpmd(() => encode(() => 1, "send"), "MPI_ERR_TYPE", /^send: cannot send a function/);
  throwsSpmd(() => encode(Symbol("tok"), "isend"), "MPI_ERR_TYPE", /^isend: cannot send Symbol\(tok\)/);
});

Deno.test("codec: values that cannot be cloned are refused with an error naming the call", () => {
  const cases: unknown[] = [{ f() {} }, [1, () => 2], new WeakMap(), { s: Symbol("x") }, Promise.resolve(1)];
  for (const v of cases) {
    throwsSpmd(() => encode(v, "allgather"), "MPI_ERR_TYPE", /^allgather: cannot send /, "structured-cloneable");
  }
});

Deno.test("codec: detached buffers are refused with an error naming the call", () => {
  const { buffer, f64, dv } = detached(16);
  throwsSpmd(() => checkAttached("recvInto", f64), "MPI_ERR_BUFFER", /^recvInto: the Float64Array's ArrayBuffer/);
  throwsSpmd(() => encode(f64, "isend"), "MPI_ERR_BUFFER", /^isend: the Float64Array's ArrayBuffer is detached/);
  throwsSpmd(() => encode(dv, "send"), "MPI_ERR_BUFFER", /^send: the DataView's ArrayBuffer is detached/);
  throwsSpmd(() => encode(buffer, "bcast"), "MPI_ERR_BUFFER", /^bcast: cannot send a detached ArrayBuffer/);
  // Inside another value it is the structured-clone path that refuses it.
  throwsSpmd(() => encode({ f64 }, "gather"), "MPI_ERR_TYPE", /^gather: cannot send /);
  // Attached buffers, shared ones included, pass.
  checkAttached("send", new Float64Array(2));
  checkAttached("send", new Int32Array(new SharedArrayBuffer(8)));
  checkAttached("send", new DataView(new ArrayBuffer(0)));
});

/**
 * The V8 serialization of `{a: {a: ... {a: 12345}}}`, `depth` levels deep, built byte by byte: deep
 * enough and the deserializer overflows the stack, however deep the test's own stack is.
 */
function nestedBytes(depth: number): Uint8Array {
  const s0 = serialize(12345);
  const s1 = serialize({ a: 12345 });
  const s2 = serialize({ a: { a: 12345 } });
  const common = (x: Uint8Array, y: Uint8Array) => {
    let i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) i++;
    return i;
  };
  const h = common(s0, s1); // version header
  const p = common(s1, s2) - h; // one level's opening bytes
  const x = s0.length - h; // the innermost value
  const head = s0.subarray(0, h);
  const open = s1.subarray(h, h + p);
  const inner = s0.subarray(h);
  const close = s1.subarray(h + p + x);
  const out = new Uint8Array(h + depth * (p + close.length) + x);
  let at = 0;
  const put = (b: Uint8Array) => {
    out.set(b, at);
    at += b.length;
  };
  put(head);
  for (let i = 0; i < depth; i++) put(open);
  put(inner);
  for (let i = 0; i < depth; i++) put(close);
  return out;
}

Deno.test("codec: decode of a structured value nested too deeply names the call, the source and the tag", () => {
  deepEqual(decode(KIND_STRUCTURED, nestedBytes(3)), { a: { a: { a: 12345 } } }, "the crafted bytes are right");
  const bytes = nestedBytes(200_000);
  throwsSpmd(
    () => decode(KIND_STRUCTURED, bytes, "bcast", 3, 7),
    "MPI_ERR_OTHER",
    `bcast: the message from rank 3 (tag 7, ${bytes.length} bytes) could not be rebuilt: RangeError: `,
    "nested more than about 2,000 levels deep",
    "flatten them",
    /the message was consumed$/,
  );
});

Deno.test("codec: decode of bytes that are no structured value names the call, the source and the tag", () => {
  throwsSpmd(
    () => decode(KIND_STRUCTURED, new Uint8Array([1, 2, 3, 4]), "irecv", 2, 11),
    "MPI_ERR_OTHER",
    /^irecv: the message from rank 2 \(tag 11, 4 bytes\) could not be rebuilt: /,
    /; the message was consumed$/,
  );
  throwsSpmd(
    () => decode(KIND_STRUCTURED, new Uint8Array(0)),
    "MPI_ERR_OTHER",
    /^recv: the message from rank -1 \(tag -1/,
  );
  const e = encode({ a: [1, 2, 3] }, "send");
  throwsSpmd(() => decode(e.kind, e.bytes.subarray(0, e.bytes.length - 3), "recv", 1, 0), "MPI_ERR_OTHER", "rank 1");
});

Deno.test("codec: decode refuses a kind it does not know (typed kinds are not decoded here)", () => {
  for (const k of [0, 99, KIND_FLOAT64]) {
    throwsSpmd(() => decode(k, new Uint8Array(8)), "MPI_ERR_INTERN", `message of unknown kind ${k}`);
  }
});

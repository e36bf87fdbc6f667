// Every kind of value from rank 0 to rank 1 and back, compared deeply.
import { isDeepStrictEqual } from "node:util";
import { world } from "../../mod.ts";

const comm = world();
// deno-lint-ignore no-explicit-any
const F16 = (globalThis as any).Float16Array;
function values(): unknown[] {
  const cyclic: Record<string, unknown> = { name: "cycle" };
  cyclic.self = cyclic;
  return [
    0,
    -0,
    1.5,
    -1e300,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_SAFE_INTEGER,
    "",
    "hello",
    "ünïcødé ✓ 🚀",
    "x".repeat(100000),
    true,
    false,
    null,
    undefined,
    123456789012345678901234567890n,
    -5n,
    { a: 1, b: [1, "two", { c: null }] },
    [],
    [1, [2, [3, [4]]]],
    new Map<unknown, unknown>([[1, "one"], ["k", { v: 2 }]]),
    new Set([1, "a", 3n]),
    new Date(1700000000000),
    new Int8Array([-1, 2]),
    new Uint8Array([1, 255]),
    new Uint8ClampedArray([0, 255]),
    new Int16Array([-300, 300]),
    new Uint16Array([65535]),
    new Int32Array([-2147483648, 7]),
    new Uint32Array([4294967295]),
    new Float32Array([1.5, -0.25]),
    new Float64Array([Math.PI, -0]),
    new BigInt64Array([-1n, 2n ** 62n]),
    new BigUint64Array([2n ** 64n - 1n]),
    new DataView(new Uint8Array([9, 8, 7]).buffer),
    new Float64Array(new Float64Array([1, 2, 3, 4]).buffer, 8, 2), // a view with an offset
    new Uint8Array(0),
    { nested: new Float32Array([1, 2]), when: new Date(0), m: new Map([[1, new Set([2])]]) },
    cyclic,
    ...(F16 ? [new F16([1.5, 2])] : []),
  ];
}
const vals = values();
function same(a: unknown, b: unknown): boolean {
  if (a instanceof DataView && b instanceof DataView) {
    return isDeepStrictEqual(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    );
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && a.constructor !== b.constructor) return false;
  return isDeepStrictEqual(a, b);
}
if (comm.rank === 0) {
  for (const v of vals) comm.send(v, 1);
  for (let i = 0; i < vals.length; i++) {
    const back = comm.recv(1);
    if (!same(back, vals[i])) throw new Error(`value ${i} came back as ${Deno.inspect(back).slice(0, 200)}`);
  }
} else if (comm.rank === 1) {
  for (let i = 0; i < vals.length; i++) {
    const v = comm.recv(0);
    if (!same(v, vals[i])) {
      throw new Error(`value ${i} (${Deno.inspect(vals[i]).slice(0, 80)}) arrived as ${Deno.inspect(v).slice(0, 200)}`);
    }
    comm.send(v, 0);
  }
}

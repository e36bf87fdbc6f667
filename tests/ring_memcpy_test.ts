// ring_test.ts again, with the rings copying every payload of 256 bytes or more by libc's memcpy through FFI
// (transport/_memcpy.ts) instead of `set`; then checks that they did, and the pointer caches behind those copies.
import { deepEqual, equal, notEqual, ok, throws } from "node:assert/strict";
import { MEMCPY } from "./ring_test.ts?memcpy";
import { Memcpy, MEMCPY_ANY, MEMCPY_IN_CELL, MEMCPY_MIN } from "../transport/_memcpy.ts";
import { CELL_HEADER_BYTES, IN_CELL, INLINE_MAX, Ring } from "../transport/ring.ts";
import { CELL_BYTES, createShm, layoutFor } from "../transport/shm_layout.ts";
import { RingReader } from "../transport/_ring_reader.ts";
import { RingWriter } from "../transport/_ring_writer.ts";
import { checkPattern, fillPattern, rng } from "./_util.ts";

Deno.test("ring (memcpy): FFI is allowed here, and the ring tests above copied through memcpy", () => {
  ok(MEMCPY !== null, "libc's memcpy loads where FFI is allowed (deno test -A)");
  ok(MEMCPY.copies > 10_000, `copies by memcpy: ${MEMCPY.copies}`);
});

/** A byte ring of `capacity` bytes at the start of a shared buffer, with a guard zone after it. */
function ringOf(capacity: number): { u8: Uint8Array; guard: Uint8Array } {
  const sab = new SharedArrayBuffer(capacity + 4096);
  return { u8: new Uint8Array(sab, 0, capacity), guard: new Uint8Array(sab, capacity, 4096) };
}

for (const eager of [false, true]) {
  Deno.test(`memcpy: writer and reader copy what set copies, at every position and length, wrapping (${eager ? "eager" : "pointers kept on a second use"})`, () => {
    const m = Memcpy.load(eager)!;
    const C = 16384;
    const { u8, guard } = ringOf(C);
    const w = new RingWriter(u8, m), r = new RingReader(u8, m);
    const rand = rng(eager ? 7 : 8);
    const before = m.copies;
    let id = 0;
    for (let k = 0; k < 4000; k++) {
      // Recurring positions and lengths (kept pointers), and any (new ones, offsets into the arrays).
      const len = k % 3 === 0 ? 1 + Math.floor(rand() * 12000) : [65, 100, 1024, 4096, 5000][k % 5];
      const pos = k % 2 === 0 ? Math.floor(rand() * C) & ~7 : (k * 1024) % C;
      const from = k % 4 === 0 ? Math.floor(rand() * 100) : 0;
      const to = k % 5 === 0 ? Math.floor(rand() * 100) : 0;
      const src = new Uint8Array(from + len + 8);
      fillPattern(src.subarray(from, from + len), ++id);
      const fence = src.slice(from + len);
      w.copy(pos, src, from, len);
      // The ring holds the payload at pos, wrapping, and nothing of it spilled past the ring.
      for (let i = 0; i < len; i += 97) equal(u8[(pos + i) % C], src[from + i]);
      const dst = new Uint8Array(to + len + 16).fill(0xa5);
      r.copy(pos, dst, to, len);
      equal(checkPattern(dst.subarray(to, to + len), id), -1, `${len} bytes at ${pos} (from ${from}, to ${to})`);
      for (let i = 0; i < to; i++) equal(dst[i], 0xa5, "nothing before `to`");
      for (let i = to + len; i < dst.length; i++) equal(dst[i], 0xa5, "nothing after the payload");
      for (let i = 0; i < fence.length; i++) equal(src[from + len + i], fence[i], "the source is not written");
    }
    for (let i = 0; i < guard.length; i++) equal(guard[i], 0, "nothing written past the ring");
    ok(m.copies - before > 2000, `copies by memcpy: ${m.copies - before}`);
  });
}

Deno.test("memcpy: a kept array pointer follows the array: rotating arrays, a detached array, a resized one", () => {
  const m = Memcpy.load()!;
  const { u8 } = ringOf(8192);
  const w = new RingWriter(u8, m), r = new RingReader(u8, m);
  const copy = (src: Uint8Array, dst: Uint8Array, n: number) => {
    w.copy(MEMCPY_ANY, src, 0, n); // at least MEMCPY_ANY bytes, or a kept position: by memcpy
    r.copy(MEMCPY_ANY, dst, 0, n);
  };
  // More arrays than are kept, in turn: each copy reaches its own array.
  const arrays = Array.from({ length: 7 }, () => new Uint8Array(MEMCPY_ANY));
  for (let k = 0; k < 50; k++) {
    const a = arrays[k % 7], b = arrays[(k + 3) % 7];
    fillPattern(a, k);
    copy(a, b, MEMCPY_ANY);
    equal(checkPattern(b, k), -1, `copy ${k}`);
  }
  // A detached array: the transport copies nothing into or out of it (its length is 0); a new array of the same
  // length, perhaps at the same address, is copied into through its own pointer.
  let buf = new ArrayBuffer(MEMCPY_ANY);
  let view = new Uint8Array(buf);
  fillPattern(view, 1);
  copy(view, arrays[0], MEMCPY_ANY);
  const moved = buf.transfer();
  equal(view.byteLength, 0);
  view = new Uint8Array(moved);
  fillPattern(arrays[1], 2);
  copy(arrays[1], view, MEMCPY_ANY);
  equal(checkPattern(view, 2), -1, "the new view of the moved buffer is written");
  // A length-tracking view of a resizable buffer: its length changes, and the copy follows it.
  buf = new ArrayBuffer(MEMCPY_ANY, { maxByteLength: 4 * MEMCPY_ANY });
  const tracking = new Uint8Array(buf);
  fillPattern(arrays[2], 3);
  copy(arrays[2], tracking, MEMCPY_ANY);
  equal(checkPattern(tracking, 3), -1);
  buf.resize(2 * MEMCPY_ANY);
  equal(tracking.byteLength, 2 * MEMCPY_ANY);
  const big = new Uint8Array(2 * MEMCPY_ANY);
  fillPattern(big, 4);
  w.copy(0, big, 0, 2 * MEMCPY_ANY);
  r.copy(0, tracking, 0, 2 * MEMCPY_ANY);
  equal(checkPattern(tracking, 4), -1, "the grown view is written whole");
});

Deno.test("memcpy: pointers to different positions and arrays are different; a view's pointer is its first byte", () => {
  const m = Memcpy.load()!;
  const a = new Uint8Array(1000);
  const v = Deno.UnsafePointer.value;
  equal(BigInt(v(m.at(a, 100))) - BigInt(v(m.of(a))), 100n);
  equal(BigInt(v(m.of(a.subarray(200)))) - BigInt(v(m.of(a))), 200n);
  notEqual(v(m.of(new Uint8Array(1000))), v(m.of(a)));
});

Deno.test("memcpy: a destination that shrank or was detached after its message was matched is not copied into past its end: set throws", () => {
  const m = Memcpy.load(true)!;
  const { u8, guard } = ringOf(16384);
  const r = new RingReader(u8, m);
  fillPattern(u8, 9);
  for (const n of [MEMCPY_MIN, 1000, MEMCPY_ANY, 12000]) {
    const buf = new ArrayBuffer(n, { maxByteLength: n });
    const tracking = new Uint8Array(buf);
    r.copy(64, tracking, 0, n);
    deepEqual(tracking, u8.slice(64, 64 + n), `${n} bytes, whole`);
    buf.resize(n - 8); // a receive buffer shrunk between the pieces of a streamed message
    const before = m.copies;
    throws(() => r.copy(64, tracking, 0, n), RangeError, `${n} bytes into ${n - 8}`);
    throws(() => r.copy(64, tracking, 8, n - 8), RangeError, `${n - 8} bytes at 8 into ${n - 8}`);
    const moved = new Uint8Array(buf.transfer()); // detached
    throws(() => r.copy(64, tracking, 0, n - 8), TypeError);
    equal(m.copies, before, "none of them by memcpy");
    equal(moved.length, n - 8);
  }
  for (let i = 0; i < guard.length; i++) equal(guard[i], 0);
});

Deno.test("memcpy: payloads under MEMCPY_MIN bytes are copied by set, whatever the arrays; a source shorter than the copy is not read past its end", () => {
  const m = Memcpy.load(true)!;
  const { u8 } = ringOf(16384);
  const w = new RingWriter(u8, m), r = new RingReader(u8, m);
  const before = m.copies;
  for (let n = 1; n < MEMCPY_MIN; n++) {
    const src = new Uint8Array(n);
    fillPattern(src, n);
    const dst = new Uint8Array(n);
    w.copy(n * 32, src, 0, n);
    r.copy(n * 32, dst, 0, n);
    equal(checkPattern(dst, n), -1);
  }
  equal(m.copies, before, "no copy under MEMCPY_MIN went through memcpy (small typed arrays live on V8's heap)");
  const short = new Uint8Array(MEMCPY_MIN);
  const ring = u8.slice();
  w.copy(0, short, 0, MEMCPY_MIN + 8); // asked for more than the array has: set copies what there is, memcpy nothing
  equal(m.copies, before);
  deepEqual(u8.subarray(MEMCPY_MIN), ring.subarray(MEMCPY_MIN), "nothing past the array's bytes was written");
});

Deno.test("memcpy: pointers of arrays up to 64 KiB are kept, larger arrays' are taken for each copy (a kept array stays alive)", () => {
  const m = Memcpy.load()!;
  const small = new Uint8Array(65536), big = new Uint8Array(65537);
  ok(m.of(small) === m.of(small), "the same pointer object, kept");
  ok(m.of(big) !== m.of(big), "a new pointer object each time");
  equal(Deno.UnsafePointer.value(m.of(big)), Deno.UnsafePointer.value(m.of(big)), "to the same address");
});

Deno.test("memcpy: with the default cells, payloads of every size up to INLINE_MAX travel in their cell intact, by memcpy and by words", () => {
  const layout = layoutFor(2);
  equal(INLINE_MAX, CELL_BYTES - CELL_HEADER_BYTES);
  for (const m of [Memcpy.load(), null]) {
    const sab = createShm(layout);
    const prod = new Ring(sab, layout, 0, 1, m), cons = new Ring(sab, layout, 0, 1, m);
    equal(prod.inlineMax, INLINE_MAX);
    const before = m?.copies ?? 0;
    for (let len = 1; len <= INLINE_MAX; len++) {
      const bytes = new Uint8Array(len);
      fillPattern(bytes, len);
      ok(prod.putFrame(bytes, len, 0, 2));
      ok(cons.nextHeader());
      deepEqual([cons.hLength, cons.hWhere], [len, IN_CELL]);
      const got = new Uint8Array(len + 3).fill(0xee);
      cons.readInline(got, 0, len);
      equal(checkPattern(got.subarray(0, len), len), -1, `${len} bytes`);
      deepEqual([...got.subarray(len)], [0xee, 0xee, 0xee], "nothing past the payload");
      cons.takeCell();
    }
    if (m !== null) {
      equal(m.copies - before, 2 * (INLINE_MAX - MEMCPY_IN_CELL + 1), "from MEMCPY_IN_CELL bytes, by memcpy");
    }
  }
});

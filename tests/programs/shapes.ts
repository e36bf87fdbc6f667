// Run by tests/shapes_test.ts as `deno run --v8-flags=--allow-natives-syntax` (with --allow-ffi: memcpy copies):
// frames through a ring whose byte and frame counters start just short of 2^31 and cross it, then checks with V8's
// own predicates that every counter stayed a small integer and no Ring changed its shape (hidden class). With u32
// counters, crossing 2^31 gave Ring double fields: every function on a ring deoptimized, then ran slower for good
// (a 2-rank ping-pong of 1 KiB went from 0.16 to 0.18 us one way after 2 GiB had gone through the ring).
// Prints "shapes ok" and exits 0, or throws.

import { IN_CELL, Ring } from "../../transport/ring.ts";
import { createShm, layoutFor, ringIndex, type ShmLayout } from "../../transport/shm_layout.ts";
import { Memcpy } from "../../transport/_memcpy.ts";
import { Message } from "../../transport/matcher.ts";

const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;
const isSmi = new Function("x", "return %IsSmi(x)") as (x: unknown) => boolean;

const memcpy = Memcpy.load(true);
const RING_BYTES = 65536;
const layout = layoutFor(2, RING_BYTES);

/** A ring (0 → 1) whose head and tail start at `bytes` and whose frame counters start at `frames` (both u32). */
function ring(l: ShmLayout, bytes: number, frames: number): { prod: Ring; cons: Ring } {
  const sab = createShm(l);
  const cellWords = l.cellBytes >> 2;
  const w = new Int32Array(sab, l.cellByte + ringIndex(l.size, 0, 1) * l.cells * l.cellBytes, l.cells * cellWords);
  const r = new Ring(sab, l, 0, 1, memcpy);
  Atomics.store(r.ctl, r.headWord, bytes | 0);
  Atomics.store(r.ctl, r.tailWord, bytes | 0);
  Atomics.store(r.ctl, r.takenWord, frames | 0);
  for (let k = 1; k <= l.cells; k++) {
    const n = (frames - k) >>> 0; // the marks the cells carry after `frames` frames
    w[(n & (l.cells - 1)) * cellWords] = (n + 1) | 0;
  }
  return { prod: new Ring(sab, l, 0, 1, memcpy), cons: new Ring(sab, l, 0, 1, memcpy) };
}

const before = ring(layout, 0, 0);
const messageBefore = new Message(0, 1, 2, 3, 4);
const { prod, cons } = ring(layout, 2 ** 31 - 3 * RING_BYTES, 2 ** 31 - 200);
const sizes = [8, 100, 480, 1000, 4096, 20000];
for (let i = 0; i < 4000; i++) {
  const n = sizes[i % sizes.length];
  const src = new Uint8Array(n).fill(i & 255);
  if (!prod.putFrame(src, i, 1, 2)) throw new Error(`frame ${i} (${n} B) did not fit`);
  if (!cons.nextHeader()) throw new Error(`frame ${i}: no header`);
  if (cons.hLength !== n) throw new Error(`frame ${i}: length ${cons.hLength}, not ${n}`);
  const dst = new Uint8Array(n);
  if (cons.hWhere === IN_CELL) {
    cons.readInline(dst, 0, n);
    cons.takeCell();
  } else {
    const skip = cons.skipAt(0, n);
    cons.readBytes(skip, dst, 0, n);
    cons.takeCell();
    cons.release(skip + ((n + 7) & ~7));
  }
  if (dst[0] !== (i & 255) || dst[n - 1] !== (i & 255)) throw new Error(`frame ${i}: payload corrupted`);
  const m = new Message(0, i, 1, 2, cons.hLength);
  m.received = m.length;
  if (!sameMap(m, messageBefore)) throw new Error(`frame ${i}: a Message changed shape`);
}
const crossed = (Atomics.load(prod.ctl, prod.takenWord) >>> 0) >= 2 ** 31 && (cons.tail >>> 0) >= 2 ** 31;
if (!crossed) throw new Error(`the counters did not cross 2^31: taken ${prod.frames >>> 0}, tail ${cons.tail >>> 0}`);
const counters = {
  "prod.head": prod.head,
  "prod.frames": prod.frames,
  "cons.tail": cons.tail,
  "cons.frames": cons.frames,
};
for (const [name, v] of Object.entries(counters)) {
  if (!isSmi(v)) throw new Error(`${name} = ${v} is not a small integer`);
}
if (!isSmi(cons.hLength)) throw new Error(`hLength ${cons.hLength} is not a small integer`);
const after = ring(layout, 0, 0);
for (const [name, r] of [["producer", prod], ["consumer", cons], ["a new ring", after.prod]] as const) {
  if (!sameMap(r, before.prod)) throw new Error(`the ${name} changed shape once its counters crossed 2^31`);
}
console.log("shapes ok");

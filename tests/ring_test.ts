// transport/ring.ts on its own: a producer and a consumer view of the same
// ring (0 → 1) of a 2-rank job with the smallest byte ring (4 KiB) and its
// 8 header cells, driven from one thread, so that payloads wrap around the
// byte ring and marks around the cell ring often.
import { deepEqual, equal, ok } from "node:assert/strict";
import { CELL_HEADER_BYTES, INLINE_MAX, pad8, Ring, unreadFrames } from "../transport/ring.ts";
import {
  CELL_BYTES,
  createShm,
  layoutFor,
  MIN_RING_BYTES,
  RING_CTL_STRIDE,
  ringIndex,
  type ShmLayout,
} from "../transport/shm_layout.ts";
import { checkPattern, fillPattern, rng } from "./_util.ts";

const C = MIN_RING_BYTES;
const TWO32 = 4294967296;
const CELL_WORDS = CELL_BYTES >> 2;

interface Pair {
  sab: SharedArrayBuffer;
  layout: ShmLayout;
  prod: Ring;
  cons: Ring;
  /** The ring's header cells as int32 words. */
  w: Int32Array;
}

/** Byte offset of the header cells of the ring (src → dst). */
function cellsAt(layout: ShmLayout, src: number, dst: number): number {
  return layout.cellByte + ringIndex(layout.size, src, dst) * layout.cells * CELL_BYTES;
}

/**
 * A fresh job. With `bytes`, the byte ring's head and tail both begin at that u32 count; with `frames`, the
 * frame counter (`taken`) does, each cell holding the mark of the last frame that used it, as if that many
 * bytes and frames had passed.
 */
function pair(bytes = 0, frames = 0): Pair {
  const layout = layoutFor(2, C);
  const sab = createShm(layout);
  const w = new Int32Array(sab, cellsAt(layout, 0, 1), layout.cells * CELL_WORDS);
  const r = new Ring(sab, layout, 0, 1);
  Atomics.store(r.ctl, r.headWord, bytes | 0);
  Atomics.store(r.ctl, r.tailWord, bytes | 0);
  Atomics.store(r.ctl, r.takenWord, frames | 0);
  if (frames !== 0) {
    for (let k = 1; k <= layout.cells; k++) {
      const n = (frames - k) >>> 0;
      w[(n & (layout.cells - 1)) * CELL_WORDS] = (n + 1) | 0;
    }
  }
  return { sab, layout, prod: new Ring(sab, layout, 0, 1), cons: new Ring(sab, layout, 0, 1), w };
}

/** Word index of the cell of frame `n`. */
function cellOf(r: Ring, n: number): number {
  return (n & (r.cells - 1)) * CELL_WORDS;
}

function patterned(n: number, id: number): Uint8Array {
  const u8 = new Uint8Array(n);
  fillPattern(u8, id);
  return u8;
}

/** The head word as the consumer sees it (u32). */
function published(r: Ring): number {
  return Atomics.load(r.ctl, r.headWord) >>> 0;
}

/** The consumer's `taken` word (u32). */
function takenWord(r: Ring): number {
  return Atomics.load(r.ctl, r.takenWord) >>> 0;
}

/** The header fields the consumer read last. */
function fields(r: Ring): [number, number, number, number, number, boolean] {
  return [r.hLength, r.hTag, r.hContext, r.hKind, r.hRdv, r.hInline];
}

/** Offsets of the bytes of `sab` that differ from `before`. */
function changed(sab: SharedArrayBuffer, before: Uint8Array): number[] {
  const now = new Uint8Array(sab);
  const out: number[] = [];
  for (let i = 0; i < now.length; i++) if (now[i] !== before[i]) out.push(i);
  return out;
}

/** A loop guard: fails the test, rather than spinning for ever, when a loop stops making progress. */
function guard(what: string, limit = 100_000): () => void {
  let n = 0;
  return () => {
    if (++n > limit) throw new Error(`no progress after ${limit} rounds: ${what}`);
  };
}

interface Frame {
  bytes: Uint8Array;
  tag: number;
  context: number;
  kind: number;
}

/** Consumer: reads the whole putFrame frame at the front of the ring, checks it, and takes and releases it. */
function takeFrame(cons: Ring, want: Frame): void {
  const len = want.bytes.length;
  ok(cons.nextHeader(), "a header is published");
  deepEqual(fields(cons), [len, want.tag, want.context, want.kind, 0, len <= INLINE_MAX]);
  const got = new Uint8Array(len);
  if (cons.hInline) {
    cons.readInline(got, 0, len);
    cons.takeCell();
  } else {
    const need = pad8(len);
    ok(cons.available() >= need, `the whole payload of ${need} bytes is published (available ${cons.available()})`);
    cons.readBytes(0, got, 0, len);
    cons.takeCell();
    cons.release(need);
  }
  deepEqual(got, want.bytes);
}

/** Producer and consumer: moves the byte ring's position to `p` (mod capacity) with filler frames read at once. */
function moveTo(prod: Ring, cons: Ring, p: number): void {
  const step = guard(`moving to ${p}`, 10);
  for (;;) {
    step();
    const d = (p - (prod.head & prod.mask) + C) % C;
    if (d === 0) return;
    const filler = new Uint8Array(d > INLINE_MAX ? d : 1000);
    ok(prod.putFrame(filler, -1, -1, 2));
    takeFrame(cons, { bytes: filler, tag: -1, context: -1, kind: 2 });
  }
}

Deno.test("ring: the 2-rank job with the smallest byte ring has 8 cells", () => {
  const { prod } = pair();
  equal(prod.cells, 8);
  equal(prod.capacity, C);
  equal(INLINE_MAX, CELL_BYTES - CELL_HEADER_BYTES);
  equal(INLINE_MAX, 96);
});

Deno.test("ring: frames of every size 0..96 travel in their cell, leaving the byte ring and the rest untouched", () => {
  const { sab, prod, cons, w } = pair();
  const base = w.byteOffset;
  for (let lap = 0; lap < 3; lap++) {
    for (let len = 0; len <= INLINE_MAX; len++) {
      const n = prod.frames;
      const id = lap * 1000 + len;
      const bytes = patterned(len, id);
      const before = new Uint8Array(sab).slice();
      equal(cons.nextHeader(), false, "nothing before the publish");
      ok(prod.putFrame(bytes, id, -len, 1 + len % 13));
      const at = base + cellOf(prod, n) * 4;
      for (const o of changed(sab, before)) {
        ok(o >= at && o < at + CELL_HEADER_BYTES + len, `byte ${o} written, outside the cell's header and payload`);
      }
      equal(Atomics.load(w, cellOf(prod, n)), (n + 1) | 0, "word 0 is the mark");
      equal(cons.available(), 0, "no byte-ring payload");
      ok(cons.nextHeader());
      deepEqual(fields(cons), [len, id, -len, 1 + len % 13, 0, true]);
      ok(cons.nextHeader(), "nextHeader consumes nothing");
      deepEqual(fields(cons), [len, id, -len, 1 + len % 13, 0, true]);
      const dst = new Uint8Array(len + 6).fill(0xee);
      cons.readInline(dst, 3, len);
      deepEqual(dst.subarray(3, 3 + len), bytes);
      deepEqual([...dst.subarray(0, 3), ...dst.subarray(3 + len)], [0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
      cons.takeCell();
      equal(takenWord(cons), (n + 1) >>> 0);
      equal(cons.nextHeader(), false, "taken: the next cell is not yet published");
    }
  }
  equal(prod.head, 0);
  equal(published(prod), 0);
});

Deno.test("ring: frames of every size 97..4096 go through the byte ring, wrapping around it intact", () => {
  const { prod, cons, w } = pair();
  const cb = new Uint8Array(w.buffer, w.byteOffset, w.length * 4);
  const starts = new Set<number>();
  for (let len = INLINE_MAX + 1; len <= C; len++) {
    starts.add(prod.head & prod.mask);
    const bytes = patterned(len, len);
    const c = cellOf(prod, prod.frames) * 4;
    const cellPayload = cb.slice(c + CELL_HEADER_BYTES, c + CELL_BYTES);
    ok(prod.putFrame(bytes, len, len * 3 - 7, 1 + len % 13), `a frame of ${len} bytes fits an empty ring`);
    equal(cons.available(), pad8(len), "the payload and its padding are published at once");
    equal(published(prod) % 8, 0, "published positions are multiples of 8");
    deepEqual(cb.slice(c + CELL_HEADER_BYTES, c + CELL_BYTES), cellPayload, "the cell's payload area is untouched");
    takeFrame(cons, { bytes, tag: len, context: len * 3 - 7, kind: 1 + len % 13 });
    equal(cons.available(), 0);
  }
  equal(starts.size, C / 8, "every 8-aligned position started a payload");
});

Deno.test("ring: payloads of short and long copies straddle the end of the byte ring intact", () => {
  const { prod, cons } = pair();
  let id = 0;
  for (let at = 3896; at < C; at += 8) {
    for (const len of [97, 100, 200, 1001, 4000]) {
      moveTo(prod, cons, at);
      const bytes = patterned(len, ++id);
      ok(prod.putFrame(bytes, id, 0, 2));
      ok(cons.nextHeader());
      // Read in two pieces, the second from an offset, as a partial reader does.
      const got = new Uint8Array(len);
      cons.readBytes(0, got, 0, 40);
      cons.readBytes(40, got, 40, len - 40);
      equal(checkPattern(got, id), -1, `${len} bytes at ${at}`);
      cons.takeCell();
      cons.release(pad8(len));
    }
  }
});

Deno.test("ring: putNumber carries one float64 in its cell (-0 and NaN included), in every cell", () => {
  const { prod, cons } = pair();
  const values = [0, -0, NaN, Infinity, -Infinity, 1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, -1e300];
  for (let lap = 0; lap < 3; lap++) {
    for (const x of values) {
      ok(prod.putNumber(x, 4, 6, 20));
      equal(cons.available(), 0, "the byte ring is not used");
      equal(prod.head, 0);
      ok(cons.nextHeader());
      deepEqual(fields(cons), [8, 4, 6, 20, 0, true]);
      ok(Object.is(cons.inlineF64(), x), `${x}`);
      const raw = new Uint8Array(8);
      cons.readInline(raw, 0, 8);
      deepEqual(raw, new Uint8Array(new Float64Array([x]).buffer));
      cons.takeCell();
    }
  }
  equal(cons.frames, 27);
});

Deno.test("ring: cell marks wrap around the cell ring many times; each cell holds the mark of its last frame", () => {
  const { prod, cons, w } = pair();
  const rand = rng(5);
  const lens: number[] = [];
  let read = 0;
  const step = guard("marks");
  while (lens.length < 2000) {
    step();
    const burst = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < burst && prod.hasCell(); k++) {
      const n = prod.frames;
      equal(n, lens.length);
      const c = cellOf(prod, n);
      equal(Atomics.load(w, c), n < prod.cells ? 0 : (n + 1 - prod.cells) | 0, "the mark of the frame a lap earlier");
      const len = rand() < 0.7 ? Math.floor(rand() * (INLINE_MAX + 1)) : INLINE_MAX + 1 + Math.floor(rand() * 600);
      if (!prod.putFrame(patterned(len, n), n, 0, 2)) {
        equal(prod.frames, n, "a refused frame takes no cell");
        equal(Atomics.load(w, c), n < prod.cells ? 0 : (n + 1 - prod.cells) | 0, "nor writes its mark");
        break;
      }
      equal(Atomics.load(w, c), n + 1, "published with its own mark");
      lens.push(len);
    }
    equal(prod.hasCell(), lens.length - read < prod.cells);
    const take = Math.floor(rand() * (lens.length - read + 1));
    for (let k = 0; k < take; k++, read++) {
      takeFrame(cons, { bytes: patterned(lens[read], read), tag: read, context: 0, kind: 2 });
      equal(takenWord(cons), read + 1);
    }
    if (read === lens.length) equal(cons.nextHeader(), false);
  }
  ok(lens.length / prod.cells > 200, "the marks went round the cells many times");
});

Deno.test("ring: putFrame and putNumber refuse, writing nothing, when no cell is free or the byte ring lacks room", () => {
  const { sab, prod, cons } = pair();
  // No cell free: eight small frames fill the cells.
  const small = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => patterned(90, i));
  small.forEach((f, i) => ok(prod.putFrame(f, i, 0, 2), `frame ${i} takes cell ${i}`));
  equal(prod.hasCell(), false);
  let before = new Uint8Array(sab).slice();
  equal(prod.putFrame(new Uint8Array(0), 9, 0, 2), false);
  equal(prod.putFrame(patterned(500, 9), 9, 0, 2), false, "not even a byte-ring payload, though the ring is empty");
  equal(prod.putNumber(1.5, 9, 0, 20), false);
  deepEqual(changed(sab, before), [], "a refused frame writes no byte");
  deepEqual([prod.frames, prod.head], [8, 0]);
  // The consumer reads one cell without taking it: still full. Taking it frees exactly one.
  ok(cons.nextHeader());
  equal(prod.hasCell(), false, "reading a header does not free its cell");
  takeFrame(cons, { bytes: small[0], tag: 0, context: 0, kind: 2 });
  ok(prod.putNumber(2.5, 8, 0, 20), "a cell is free after takeCell");
  equal(prod.putNumber(3.5, 9, 0, 20), false);
  for (let i = 1; i < 8; i++) takeFrame(cons, { bytes: small[i], tag: i, context: 0, kind: 2 });
  ok(cons.nextHeader());
  ok(Object.is(cons.inlineF64(), 2.5));
  cons.takeCell();

  // Byte ring full: four payloads of 1024 bytes fill it exactly.
  const big = [0, 1, 2, 3].map((i) => patterned(1024, 100 + i));
  big.forEach((f, i) => ok(prod.putFrame(f, 10 + i, 0, 2), `payload ${i} fits`));
  equal(cons.available(), C);
  equal(prod.freeFor(1), 0);
  ok(prod.hasCell(), "cells are free");
  before = new Uint8Array(sab).slice();
  const frames = prod.frames;
  equal(prod.putFrame(new Uint8Array(INLINE_MAX + 1), 9, 0, 2), false);
  equal(prod.putFrame(patterned(1000, 9), 9, 0, 2), false);
  deepEqual(changed(sab, before), [], "a refused frame writes no byte");
  deepEqual([prod.frames, prod.head, published(prod)], [frames, C, C]);
  // In-cell frames do not need the byte ring.
  const tiny = patterned(INLINE_MAX, 7);
  ok(prod.putFrame(tiny, 14, 0, 2));
  ok(prod.putNumber(4.5, 15, 0, 20));
  // Taking the first payload's cell without releasing its bytes frees no byte.
  ok(cons.nextHeader());
  cons.takeCell();
  equal(prod.putFrame(new Uint8Array(1024), 9, 0, 2), false);
  // Released: exactly 1024 bytes fit again, not one byte more.
  cons.release(1024);
  equal(prod.putFrame(new Uint8Array(1025), 9, 0, 2), false, "1025 bytes pad to 1032");
  const next = patterned(1017, 104); // pads to 1024
  ok(prod.putFrame(next, 16, 0, 2));
  equal(prod.putFrame(new Uint8Array(INLINE_MAX + 1), 9, 0, 2), false);
  for (let i = 1; i < 4; i++) takeFrame(cons, { bytes: big[i], tag: 10 + i, context: 0, kind: 2 });
  takeFrame(cons, { bytes: tiny, tag: 14, context: 0, kind: 2 });
  ok(cons.nextHeader());
  deepEqual(fields(cons), [8, 15, 0, 20, 0, true]);
  ok(Object.is(cons.inlineF64(), 4.5));
  cons.takeCell();
  takeFrame(cons, { bytes: next, tag: 16, context: 0, kind: 2 });
  // Larger than the byte ring: refused even when it is empty; a payload that fills it exactly fits.
  equal(cons.available(), 0);
  equal(prod.putFrame(new Uint8Array(C + 1), 0, 0, 2), false);
  equal(prod.putFrame(new Uint8Array(5000), 0, 0, 2), false);
  const full = patterned(C, 5);
  ok(prod.putFrame(full, 5, 0, 2));
  equal(cons.available(), C);
  takeFrame(cons, { bytes: full, tag: 5, context: 0, kind: 2 });
});

Deno.test("ring: hasCell and freeFor re-read taken and tail only when the cached value says full", () => {
  const { prod, cons } = pair();
  // The byte ring: prod.tail is the cached tail.
  for (let i = 0; i < 3; i++) ok(prod.putFrame(new Uint8Array(1024), i, 0, 2));
  equal(prod.freeFor(1), 1024);
  takeFrame(cons, { bytes: new Uint8Array(1024), tag: 0, context: 0, kind: 2 });
  equal(prod.freeFor(1024), 1024, "enough by the cached tail: not re-read");
  equal(prod.tail, 0);
  equal(prod.freeFor(1025), 2048, "too little by the cached tail: re-read");
  equal(prod.tail, 1024);
  for (let i = 1; i < 3; i++) takeFrame(cons, { bytes: new Uint8Array(1024), tag: i, context: 0, kind: 2 });

  // The cells: 3 sent and taken, but the producer has not looked at `taken` yet (its cache says 0).
  // A value stored in `taken` that is not the truth shows when the producer reads it.
  const lie = (v: number) => Atomics.store(cons.ctl, cons.takenWord, v);
  for (let i = 3; i < 8; i++) ok(prod.putNumber(i, i, 0, 20)); // 8 in flight by the cache, 5 really
  lie(0);
  equal(prod.hasCell(), false, "the cache says full: taken is re-read (and says full)");
  lie(3);
  ok(prod.hasCell(), "re-read: 5 in flight");
  for (let i = 8; i < 10; i++) ok(prod.putNumber(i, i, 0, 20)); // 7 in flight by the cache
  lie(0); // says 10 in flight
  ok(prod.hasCell(), "the cache says a cell is free: taken is not read");
  ok(prod.putNumber(10, 10, 0, 20)); // 8 in flight by the cache
  equal(prod.hasCell(), false, "the cache says full: re-read");
  lie(3);
  equal(prod.hasCell(), false, "re-read: 8 really are in flight");
  equal(prod.putNumber(11, 11, 0, 20), false);
  for (let i = 3; i < 11; i++) {
    ok(cons.nextHeader());
    equal(cons.inlineF64(), i);
    cons.takeCell();
  }
  equal(takenWord(cons), 11);
  ok(prod.hasCell());
  ok(prod.putNumber(11, 11, 0, 20));
});

Deno.test("ring: a 64-bit payload length survives the header", () => {
  const { prod, cons, w } = pair();
  for (const len of [97, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 123, Number.MAX_SAFE_INTEGER]) {
    ok(prod.hasCell());
    const c = cellOf(prod, prod.frames);
    prod.putHeader(len, -1, 2 ** 31 - 1, 3, 77);
    deepEqual([w[c + 1] >>> 0, w[c + 2] >>> 0], [len % TWO32, Math.floor(len / TWO32)], "low and high words");
    equal(cons.available(), 0, "a header publishes no payload");
    ok(cons.nextHeader());
    deepEqual(fields(cons), [len, -1, 2 ** 31 - 1, 3, 77, false]);
    cons.takeCell();
  }
});

Deno.test("ring: pad8 rounds up to a multiple of 8", () => {
  deepEqual([0, 1, 7, 8, 9, 15, 16, 1001, 2 ** 31 - 8].map(pad8), [0, 8, 8, 8, 16, 16, 16, 1008, 2 ** 31 - 8]);
});

Deno.test("ring: pad8 is right for message lengths of 2^31 and more", () => {
  deepEqual([0, 1, 8, 9, 2 ** 31 - 7, 2 ** 31, 2 ** 32 - 1, 2 ** 32 + 1].map(pad8), [
    0,
    8,
    8,
    16,
    2 ** 31,
    2 ** 31,
    2 ** 32,
    2 ** 32 + 8,
  ]);
});

/**
 * Streams `bytes` as one frame with putHeader + putPayload while the consumer reads and releases (after every
 * piece when `eager`, else only when the byte ring is full); returns how often the producer found it full.
 */
function stream(prod: Ring, cons: Ring, bytes: Uint8Array, chunk: number, tag: number, eager: boolean): number {
  const got = new Uint8Array(bytes.length);
  const padded = pad8(bytes.length);
  let taken = false;
  let received = 0; // payload bytes (with padding) consumed
  let stalls = 0;
  const drain = () => {
    if (!taken) {
      ok(cons.nextHeader());
      deepEqual(fields(cons), [bytes.length, tag, 7, 2, 0, false]);
      cons.takeCell();
      taken = true;
    }
    const n = Math.min(cons.available(), padded - received);
    if (n > 0) {
      const copy = Math.min(n, bytes.length - received);
      if (copy > 0) cons.readBytes(0, got, received, copy);
      received += n;
      cons.release(n);
    }
  };
  ok(prod.hasCell());
  const before = cons.available();
  prod.putHeader(bytes.length, tag, 7, 2);
  equal(cons.available(), before, "putHeader publishes no payload");
  ok(cons.nextHeader(), "its cell is published at once");
  deepEqual(fields(cons), [bytes.length, tag, 7, 2, 0, false]);
  if (eager) drain();
  let off = 0;
  const step = guard("streaming");
  while (off < bytes.length) {
    step();
    const avail = cons.available();
    const next = prod.putPayload(bytes, off, chunk);
    if (next === off) {
      ok(prod.freeFor(8) < 8, "putPayload moves nothing only when the byte ring is full");
      equal(cons.available(), avail, "and publishes nothing");
      stalls++;
      drain();
      continue;
    }
    const piece = next - off;
    ok(piece <= chunk, `a piece of ${piece} bytes is at most the chunk of ${chunk}`);
    equal(published(prod) % 8, 0, "every piece ends 8-aligned");
    equal(cons.available() - avail, pad8(piece), "the piece is published");
    off = next;
    if (eager) drain();
  }
  equal(prod.putPayload(bytes, off, chunk), off, "nothing left: nothing moves");
  while (!taken || received < padded) {
    step();
    drain();
  }
  equal(checkPattern(got, tag), -1, "the streamed payload arrives intact");
  return stalls;
}

Deno.test("ring: a payload larger than the byte ring streams through putHeader + putPayload, eager and lazy reader", () => {
  const { prod, cons } = pair();
  const runs = [[100_003, 65536], [100_003, 1000], [20_001, 8], [4097, 4096], [C, 4096], [0, 64], [5, 64], [96, 8]];
  for (const [len, chunk] of runs) {
    for (const eager of [false, true]) {
      const stalls = stream(prod, cons, patterned(len, len), chunk, len, eager);
      if (len > C && !eager) ok(stalls > 0, "the producer waited for the consumer");
      if (eager && chunk < C) equal(stalls, 0, "an eager reader keeps room");
      // The next frames start where the padded payload ended.
      const after = patterned(333, 1);
      ok(prod.putFrame(after, 1, 2, 3));
      ok(prod.putNumber(0.5, 2, 2, 20));
      takeFrame(cons, { bytes: after, tag: 1, context: 2, kind: 3 });
      ok(cons.nextHeader());
      equal(cons.inlineF64(), 0.5);
      cons.takeCell();
      equal(cons.available(), 0);
      equal(cons.nextHeader(), false);
    }
  }
});

Deno.test("ring: head, tail and the frame counter wrap around 2^32 (u32 counters), framing and room stay right", () => {
  const start = TWO32 - C; // 2^32 is a multiple of the capacity: the u32 wrap is also a byte-ring wrap
  const { prod, cons, w } = pair(start, TWO32 - 5);
  deepEqual([prod.head, cons.tail, prod.frames, cons.frames], [start, start, TWO32 - 5, TWO32 - 5]);
  deepEqual([cons.available(), prod.freeFor(1), prod.hasCell(), cons.nextHeader()], [0, C, true, false]);
  // Frames across the u32 wrap of the frame counter: frame 2^32 - 1 has the mark 0.
  for (let k = 0; k < 20; k++) {
    const n = prod.frames;
    const c = cellOf(prod, n);
    equal(Atomics.load(w, c), (n + 1 - prod.cells) | 0);
    const bytes = patterned(k * 9, k);
    ok(prod.putFrame(bytes, k, 0, 2));
    equal(Atomics.load(w, c), (n + 1) | 0);
    equal(prod.frames, (n + 1) % TWO32);
    takeFrame(cons, { bytes, tag: k, context: 0, kind: 2 });
    equal(takenWord(cons), (n + 1) % TWO32);
  }
  equal(prod.frames, 15, "the frame counter wrapped");
  // A payload straddling both the u32 wrap and the end of the byte ring.
  moveTo(prod, cons, C - 8);
  ok(prod.head > TWO32 - C, "still before the u32 wrap");
  const bytes = patterned(300, 3);
  ok(prod.putFrame(bytes, 3, 1, 2));
  ok(prod.head < C, "the head counter wrapped past 2^32");
  equal(cons.available(), 304);
  equal(prod.freeFor(1), C - 304);
  takeFrame(cons, { bytes, tag: 3, context: 1, kind: 2 });
  ok(cons.tail < C, "the tail counter wrapped past 2^32");
  equal(cons.available(), 0);
  // All cells in use across the wrap of the frame counter.
  const p = pair(0, TWO32 - 4);
  for (let i = 0; i < 8; i++) ok(p.prod.putNumber(i, i, 0, 20));
  equal(p.prod.frames, 4);
  equal(p.prod.hasCell(), false);
  equal(p.prod.putNumber(8, 8, 0, 20), false);
  ok(p.cons.nextHeader());
  p.cons.takeCell();
  ok(p.prod.hasCell());
  ok(p.prod.putNumber(8, 8, 0, 20));
  for (let i = 1; i < 9; i++) {
    ok(p.cons.nextHeader());
    equal(p.cons.inlineF64(), i);
    p.cons.takeCell();
  }
  equal(p.cons.frames, 5);
  // Streaming across both wraps.
  const q = pair(TWO32 - 1000, TWO32 - 1);
  stream(q.prod, q.cons, patterned(10_000, 11), 512, 11, true);
  equal(q.cons.available(), 0);
  equal(published(q.prod), (TWO32 - 1000 + 10_000) % TWO32);
  equal(Atomics.load(q.w, cellOf(q.prod, TWO32 - 1)), 0, "frame 2^32 - 1 carries the mark 0");
  stream(q.prod, q.cons, patterned(9_999, 12), 4096, 12, false);
  equal(q.prod.frames, 1);
  equal(Atomics.load(q.w, 0), 1);
});

interface Sent {
  how: "frame" | "number" | "stream" | "rdv";
  length: number;
  bytes: Uint8Array | null;
  tag: number;
  context: number;
  kind: number;
  rdv: number;
  inline: boolean;
}

Deno.test("ring: random interleavings of frames, numbers, streams and rendezvous headers against a partial reader", () => {
  for (const [bytes0, frames0] of [[0, 0], [TWO32 - 24_000, TWO32 - 300]]) {
    const { prod, cons } = pair(bytes0, frames0);
    const rand = rng(bytes0 + 17);
    const sent: Sent[] = [];
    const got: Sent[] = [];
    let cur: { f: Sent; received: number } | null = null;
    let moved = 0;
    // The consumer takes at most `frameLimit` headers and `byteLimit` payload bytes, as the inbox does.
    const pull = (byteLimit: number, frameLimit: number) => {
      let avail = -1;
      let used = 0;
      let headers = 0;
      for (;;) {
        if (cur === null) {
          if (headers >= frameLimit || !cons.nextHeader()) break;
          headers++;
          const s = sent[got.length];
          ok(s !== undefined, "a header is published only for a frame sent");
          equal(cons.hInline, s.inline, `frame ${got.length} in its cell or not`);
          const f: Sent = {
            how: s.how,
            length: cons.hLength,
            bytes: cons.hRdv !== 0 ? null : new Uint8Array(cons.hLength),
            tag: cons.hTag,
            context: cons.hContext,
            kind: cons.hKind,
            rdv: cons.hRdv,
            inline: cons.hInline,
          };
          if (f.bytes === null) {
            cons.takeCell();
            got.push(f);
            continue;
          }
          if (cons.hInline) {
            cons.readInline(f.bytes, 0, f.length);
            if (f.kind === 20) deepEqual(new Float64Array([cons.inlineF64()]), new Float64Array(f.bytes.buffer));
            cons.takeCell();
            got.push(f);
            continue;
          }
          if (s.how === "frame") ok(cons.available() - used >= pad8(f.length), "putFrame publishes its payload first");
          cons.takeCell();
          cur = { f, received: 0 };
          avail = -1;
        }
        if (avail < 0) avail = cons.available();
        const padded = pad8(cur.f.length);
        const n = Math.min(padded - cur.received, avail - used, byteLimit - used);
        if (n > 0) {
          const copy = Math.min(n, cur.f.length - cur.received);
          if (copy > 0) cons.readBytes(used, cur.f.bytes!, cur.received, copy);
          cur.received += n;
          used += n;
        }
        if (cur.received !== padded) break;
        got.push(cur.f);
        cur = null;
      }
      if (used > 0) cons.release(used);
      moved += used;
    };
    const randomPull = () => pull(8 * Math.floor(rand() * (C / 8 + 1)), Math.floor(rand() * 10));
    const step = guard("the random run", 1_000_000);
    const waitCell = () => {
      while (!prod.hasCell()) {
        step();
        randomPull();
      }
    };
    for (let i = 0; i < 600; i++) {
      const op = rand();
      if (op < 0.35) {
        const len = rand() < 0.5 ? Math.floor(rand() * (INLINE_MAX + 1)) : INLINE_MAX + 1 + Math.floor(rand() * 1400);
        const bytes = patterned(len, i);
        const s: Sent = { how: "frame", length: len, bytes, tag: i, context: i & 15, kind: 2, rdv: 0, inline: false };
        s.inline = len <= INLINE_MAX;
        sent.push(s);
        while (!prod.putFrame(bytes, i, i & 15, 2)) {
          step();
          randomPull();
        }
      } else if (op < 0.5) {
        const x = rand() * 1e6 - 5e5;
        const bytes = new Uint8Array(new Float64Array([x]).buffer);
        sent.push({ how: "number", length: 8, bytes, tag: i, context: 1, kind: 20, rdv: 0, inline: true });
        while (!prod.putNumber(x, i, 1, 20)) {
          step();
          randomPull();
        }
      } else if (op < 0.9) {
        // Streamed, also a payload small enough for a cell (the outbox streams whatever it queued).
        const len = Math.floor(rand() * (rand() < 0.25 ? INLINE_MAX + 1 : 9000));
        const bytes = patterned(len, i);
        const chunk = [8, 64, 520, 4096, 65536][Math.floor(rand() * 5)];
        sent.push({ how: "stream", length: len, bytes, tag: i, context: 2, kind: 5, rdv: 0, inline: false });
        waitCell();
        prod.putHeader(len, i, 2, 5);
        let off = 0;
        while (off < len) {
          step();
          const next = prod.putPayload(bytes, off, chunk);
          if (next === off) randomPull();
          off = next;
        }
      } else {
        const len = Math.floor(rand() * 2 ** 40);
        const rdv = 1 + Math.floor(rand() * 1000);
        sent.push({ how: "rdv", length: len, bytes: null, tag: i, context: 3, kind: 2, rdv, inline: false });
        waitCell();
        prod.putHeader(len, i, 3, 2, rdv);
      }
      ok(((prod.head - cons.tail) >>> 0) <= C, "never more than the capacity unread");
      ok(((prod.frames - cons.frames) >>> 0) <= prod.cells, "never more than the cells in flight");
      if (rand() < 0.3) randomPull();
    }
    while (got.length < sent.length) {
      step();
      pull(C, 100);
    }
    equal(cur, null);
    equal(cons.available(), 0);
    equal(cons.nextHeader(), false);
    equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) deepEqual(got[i], sent[i], `frame ${i} (start ${bytes0}, ${frames0})`);
    equal(cons.tail, (bytes0 + moved) % TWO32);
    equal(cons.frames, (frames0 + sent.length) % TWO32);
    equal(takenWord(cons), cons.frames);
    if (bytes0 !== 0) ok(moved > TWO32 - bytes0, "the byte counters crossed the u32 wrap");
    if (frames0 !== 0) ok(sent.length > TWO32 - frames0, "the frame counter crossed the u32 wrap");
  }
});

Deno.test("ring: unreadFrames lists the frames left unread, whole and partial, without consuming them", () => {
  for (const [bytes0, frames0] of [[0, 0], [TWO32 - 40, TWO32 - 2]]) {
    const { sab, layout, prod, cons } = pair(bytes0, frames0);
    deepEqual(unreadFrames(sab, layout, 0, 1), []);
    const first = patterned(10, 1);
    ok(prod.putFrame(first, 1, 0, 2));
    takeFrame(cons, { bytes: first, tag: 1, context: 0, kind: 2 });
    ok(prod.putNumber(Math.PI, 2, 3, 20));
    ok(prod.putFrame(new Uint8Array(0), 3, 4, 22));
    ok(prod.putFrame(patterned(1001, 4), 4, -5, 2));
    ok(prod.putFrame(patterned(INLINE_MAX, 5), 5, 6, 2));
    prod.putHeader(1 << 20, 6, 7, 2, 9); // a rendezvous: its payload is not in the ring
    prod.putHeader(500, 7, 8, 2); // streamed whole
    equal(prod.putPayload(patterned(500, 7), 0, 65536), 500);
    const whole = [
      { length: 8, tag: 2, context: 3, whole: true },
      { length: 0, tag: 3, context: 4, whole: true },
      { length: 1001, tag: 4, context: -5, whole: true },
      { length: INLINE_MAX, tag: 5, context: 6, whole: true },
      { length: 1 << 20, tag: 6, context: 7, whole: true },
      { length: 500, tag: 7, context: 8, whole: true },
    ];
    deepEqual(unreadFrames(sab, layout, 0, 1), whole);
    // A streamed header is published before its payload: partial at once, and still when the byte ring fills.
    ok(prod.hasCell());
    prod.putHeader(10_000, 9, 2, 2);
    const all = [...whole, { length: 10_000, tag: 9, context: 2, whole: false }];
    deepEqual(unreadFrames(sab, layout, 0, 1), all);
    const big = patterned(10_000, 9);
    let off = 0;
    for (let next = prod.putPayload(big, off, 65536); next !== off; next = prod.putPayload(big, off, 65536)) off = next;
    ok(off > 0 && off < big.length);
    equal(cons.available(), C);
    const before = new Uint8Array(sab).slice();
    deepEqual(unreadFrames(sab, layout, 0, 1), all);
    deepEqual(unreadFrames(sab, layout, 0, 1), all, "listing twice lists the same");
    deepEqual(changed(sab, before), [], "listing writes nothing");
    deepEqual(unreadFrames(sab, layout, 1, 0), [], "the other direction is another ring");
    // The consumer takes two frames (at a frame boundary): the list starts after them.
    ok(cons.nextHeader());
    cons.takeCell();
    ok(cons.nextHeader());
    cons.takeCell();
    deepEqual(unreadFrames(sab, layout, 0, 1), all.slice(2));
  }
});

Deno.test("ring: unreadFrames lists a full cell ring, and reports a published header of a 4 GiB payload as partial", () => {
  const { sab, layout, prod } = pair();
  for (let i = 0; i < 8; i++) ok(prod.putNumber(i, i, 0, 20));
  deepEqual(
    unreadFrames(sab, layout, 0, 1),
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ length: 8, tag: i, context: 0, whole: true })),
  );
  const q = pair();
  q.prod.putHeader(2 ** 32 + 8, 4, 5, 3, 1);
  q.prod.putHeader(2 ** 32 - 1, 1, 2, 3);
  deepEqual(unreadFrames(q.sab, q.layout, 0, 1), [
    { length: 2 ** 32 + 8, tag: 4, context: 5, whole: true }, // a rendezvous: whole in the sender's heap
    { length: 2 ** 32 - 1, tag: 1, context: 2, whole: false },
  ]);
  // The bytes of the byte ring count once: 4000 are published, 2000 of them the first payload's, so the
  // second (2504 with its padding, fewer than 4000) is partial.
  const r = pair();
  ok(r.prod.putFrame(patterned(2000, 1), 1, 0, 2));
  r.prod.putHeader(2500, 2, 0, 2);
  equal(r.prod.putPayload(patterned(2500, 2), 0, 2000), 2000);
  equal(r.cons.available(), 4000);
  deepEqual(unreadFrames(r.sab, r.layout, 0, 1), [
    { length: 2000, tag: 1, context: 0, whole: true },
    { length: 2500, tag: 2, context: 0, whole: false },
  ]);
});

/** Runs `fn`, recording each `Atomics.store` into `sab`: its byte offset, value, and a copy of `sab` just before it. */
function stores(sab: SharedArrayBuffer, fn: () => void): { at: number; value: number; before: Uint8Array }[] {
  const log: { at: number; value: number; before: Uint8Array }[] = [];
  const store = Atomics.store;
  const spy = (a: Int32Array, i: number, v: number): number => {
    if (a.buffer === sab) log.push({ at: a.byteOffset + i * 4, value: v, before: new Uint8Array(sab).slice() });
    return store(a, i, v);
  };
  (Atomics as { store: unknown }).store = spy;
  try {
    fn();
  } finally {
    (Atomics as { store: unknown }).store = store;
  }
  return log;
}

/** True when `before` and the memory now differ only in bytes [from, to). */
function onlyIn(sab: SharedArrayBuffer, before: Uint8Array, from: number, to: number): boolean {
  return changed(sab, before).every((o) => o >= from && o < to);
}

Deno.test("ring: a publish is the last store of what it publishes: a cell's mark after its cell, head after its bytes", () => {
  const { sab, prod, cons, w } = pair();
  const markAt = (n: number) => w.byteOffset + cellOf(prod, n) * 4;
  const headAt = prod.headWord * 4;
  const data = (u8: Uint8Array) => u8.slice(prod.u8.byteOffset, prod.u8.byteOffset + C);
  for (let lap = 0; lap < 2; lap++) {
    // In a cell: one store, its mark, after everything else.
    let n = prod.frames;
    let log = stores(sab, () => ok(prod.putFrame(patterned(INLINE_MAX, n), 1, 2, 3)));
    deepEqual(log.map((s) => [s.at, s.value]), [[markAt(n), n + 1]]);
    ok(onlyIn(sab, log[0].before, markAt(n), markAt(n) + 4), "the cell was written before its mark");
    n = prod.frames;
    log = stores(sab, () => ok(prod.putNumber(0.25, 1, 2, 20)));
    deepEqual(log.map((s) => [s.at, s.value]), [[markAt(n), n + 1]]);
    ok(onlyIn(sab, log[0].before, markAt(n), markAt(n) + 4));
    // Through the byte ring: head once its bytes are written, then the mark, last.
    n = prod.frames;
    log = stores(sab, () => ok(prod.putFrame(patterned(1001, n), 1, 2, 3)));
    deepEqual(log.map((s) => [s.at, s.value]), [[headAt, prod.head], [markAt(n), n + 1]]);
    deepEqual(data(log[0].before), data(new Uint8Array(sab)), "the payload was written before head");
    ok(onlyIn(sab, log[1].before, markAt(n), markAt(n) + 4), "head and the cell were written before the mark");
    // Streamed: the cell at once, then each piece's head after its bytes.
    n = prod.frames;
    log = stores(sab, () => prod.putHeader(3000, 1, 2, 3));
    deepEqual(log.map((s) => [s.at, s.value]), [[markAt(n), n + 1]]);
    ok(onlyIn(sab, log[0].before, markAt(n), markAt(n) + 4));
    log = stores(sab, () => equal(prod.putPayload(patterned(3000, n), 0, 2000), 2000));
    deepEqual(log.map((s) => [s.at, s.value]), [[headAt, prod.head]]);
    ok(onlyIn(sab, log[0].before, headAt, headAt + 4), "the piece was written before head");
    // Refused: no store at all.
    deepEqual(stores(sab, () => equal(prod.putFrame(patterned(2000, 0), 1, 2, 3), false)), []);
    // The consumer stores nothing while it reads; takeCell and release store one word each.
    const before = new Uint8Array(sab).slice();
    const dst = new Uint8Array(4000);
    const log2 = stores(sab, () => {
      ok(cons.nextHeader());
      cons.readInline(dst, 0, INLINE_MAX);
      cons.available();
    });
    deepEqual([log2, changed(sab, before)], [[], []]);
    for (let k = 0; k < 4; k++) {
      const m = cons.frames;
      log = stores(sab, () => {
        ok(cons.nextHeader());
        cons.inlineF64();
        cons.readBytes(0, dst, 0, 8);
        cons.takeCell();
      });
      deepEqual(log.map((s) => [s.at, s.value]), [[cons.takenWord * 4, m + 1]]);
      ok(onlyIn(sab, log[0].before, cons.takenWord * 4, cons.takenWord * 4 + 4));
    }
    log = stores(sab, () => cons.release(1008));
    deepEqual(log.map((s) => [s.at, s.value]), [[cons.tailWord * 4, cons.tail]]);
    equal(prod.putPayload(patterned(3000, n), 2000, 2000), 3000);
    cons.release(3000);
  }
  equal(cons.available(), 0);
  equal(cons.nextHeader(), false);
});

Deno.test("ring: each ordered pair of a 3-rank job has its own cells and byte ring", () => {
  const layout = layoutFor(3, C);
  const sab = createShm(layout);
  const pairs = [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]];
  for (const [s, d] of pairs) {
    const id = s * 3 + d;
    const i = ringIndex(3, s, d);
    const cells = cellsAt(layout, s, d);
    const data = layout.ringDataByte + i * C;
    const head = (layout.ringCtlWord + i * RING_CTL_STRIDE) * 4;
    const before = new Uint8Array(sab).slice();
    const r = new Ring(sab, layout, s, d);
    ok(r.putFrame(patterned(50, id), id, s, d));
    ok(r.putFrame(patterned(300, id + 100), id + 100, s, d));
    for (const o of changed(sab, before)) {
      const mine = (o >= cells && o < cells + 2 * CELL_BYTES) || (o >= data && o < data + 304) ||
        (o >= head && o < head + 4);
      ok(mine, `byte ${o} written by the ring ${s} → ${d}, outside its own cells, byte ring and head`);
    }
  }
  for (const [s, d] of pairs) {
    const id = s * 3 + d;
    deepEqual(unreadFrames(sab, layout, s, d), [
      { length: 50, tag: id, context: s, whole: true },
      { length: 300, tag: id + 100, context: s, whole: true },
    ]);
    const r = new Ring(sab, layout, s, d);
    takeFrame(r, { bytes: patterned(50, id), tag: id, context: s, kind: d });
    takeFrame(r, { bytes: patterned(300, id + 100), tag: id + 100, context: s, kind: d });
    equal(r.nextHeader(), false);
  }
  // Filling one pair's cells leaves the others free.
  const full = new Ring(sab, layout, 2, 1);
  while (full.hasCell()) ok(full.putNumber(1, 0, 0, 20));
  for (const [s, d] of pairs) if (s !== 2 || d !== 1) ok(new Ring(sab, layout, s, d).hasCell(), `${s} → ${d}`);
});

Deno.test("ring: stale bytes cannot pass for a new frame", () => {
  const { sab, layout, prod, cons, w } = pair();
  // A fresh ring whose cells (past word 0) and byte ring hold the marks of the frames to come.
  for (let c = 0; c < prod.cells; c++) {
    for (let k = 1; k < CELL_WORDS; k++) w[c * CELL_WORDS + k] = c + 1 + prod.cells * (k - 1);
  }
  const ringWords = new Int32Array(sab, layout.ringDataByte, C >> 2);
  for (let k = 0; k < ringWords.length; k++) ringWords[k] = k + 1;
  equal(cons.nextHeader(), false, "the cells' words past the mark and the byte ring are never read as a mark");
  deepEqual(unreadFrames(sab, layout, 0, 1), []);
  // The producer has written all of cell 0 but its mark: not there.
  w.set([5, 0, 1, 2, 3, 0, 1], 1);
  equal(cons.nextHeader(), false, "a cell written up to its mark is not published");
  deepEqual(unreadFrames(sab, layout, 0, 1), []);
  ok(prod.putFrame(patterned(5, 0), 0, 0, 2));
  takeFrame(cons, { bytes: patterned(5, 0), tag: 0, context: 0, kind: 2 });

  // Frames whose payloads (in the cell and in the byte ring) are made of the marks of the frames after them.
  const future = (n: number, len: number) => {
    const words = new Int32Array(len >> 2);
    for (let k = 0; k < words.length; k++) words[k] = n + 2 + k;
    return new Uint8Array(words.buffer);
  };
  for (let round = 0; round < 40; round++) {
    const sentFrom = prod.frames;
    const lens = [INLINE_MAX, 8, 400, INLINE_MAX, 1000, 64, 800, 4];
    for (let k = 0; k < lens.length; k++) ok(prod.putFrame(future(prod.frames, lens[k]), k, 0, 2), `round ${round}`);
    equal(prod.hasCell(), false);
    for (let k = 0; k < lens.length; k++) {
      const n = (sentFrom + k) >>> 0;
      equal(Atomics.load(w, cellOf(prod, n)), n + 1);
      takeFrame(cons, { bytes: future(n, lens[k]), tag: k, context: 0, kind: 2 });
      if (k < lens.length - 1) continue;
      // Every cell now holds a taken frame's mark, and payloads full of the marks to come.
      equal(cons.nextHeader(), false, `round ${round}: nothing new`);
      deepEqual(unreadFrames(sab, layout, 0, 1), []);
    }
    // The last frame a lap ago left its mark, one lap short of the frame the consumer expects next.
    equal(Atomics.load(w, cellOf(prod, prod.frames)), prod.frames + 1 - prod.cells);
    // A stream's cell is there before its payload; its bytes never pass for the next cell.
    ok(prod.hasCell());
    prod.putHeader(16, 99, 0, 2);
    ok(cons.nextHeader());
    deepEqual(fields(cons), [16, 99, 0, 2, 0, false]);
    cons.takeCell();
    equal(cons.available(), 0, "its payload is not yet there");
    equal(cons.nextHeader(), false);
    equal(prod.putPayload(future(prod.frames - 1, 16), 0, 64), 16);
    equal(cons.nextHeader(), false, "a payload of future marks is not a header");
    cons.release(16);
  }
  ok(prod.frames > 40 * 9, "many laps of the cells");
});

// transport/ring.ts on its own: a producer and a consumer view of the same
// ring (0 → 1) of a 2-rank job with the smallest byte ring (4 KiB) and its
// 8 header cells, driven from one thread, so that payloads wrap around the
// byte ring and marks around the cell ring often.
//
// Where a payload is (word 7 of its cell, `hWhere`): IN_CELL (≤ 96 bytes,
// putFrame and putNumber), IN_RING (a larger putFrame: whole in the byte ring,
// published by the cell's mark alone, so the shared head word is not stored
// and lags the bytes written), STREAMED (putHeader + putPayload: each piece
// published by storing head, which then also covers the IN_RING bytes before
// it). The consumer reads IN_RING payloads at its tail plus what it has used
// without looking at head, as the inbox does, and `available()` is 0 while head
// lags behind bytes it has already released.
//
// An IN_RING payload that would wrap around the end of the byte ring starts at
// position 0 instead when it fits before its old position (ring.ts skipFor:
// need <= pos); the bytes it skips are neither written nor read but count as
// used, by the producer's head and by what the consumer passes or releases
// (`Ring.skipAt` gives the consumer the same skip). One that does not fit
// there (need > pos) still wraps, as streamed payloads always do.
import { deepEqual, equal, ok } from "node:assert/strict";
import { CELL_HEADER_BYTES, IN_CELL, IN_RING, pad8, Ring, STREAMED } from "../transport/ring.ts";
import { unreadFrames } from "../transport/unread.ts";
import {
  createShm,
  layoutFor,
  MIN_RING_BYTES,
  RING_CTL_STRIDE,
  ringIndex,
  type ShmLayout,
} from "../transport/shm_layout.ts";
import { checkPattern, fillPattern, rng } from "./_util.ts";
import { Memcpy } from "../transport/_memcpy.ts";

/**
 * These tests run twice: as this file (payloads copied by `set`), and imported by ring_memcpy_test.ts as
 * "./ring_test.ts?memcpy", where the rings copy payloads by libc's memcpy (_memcpy.ts), made
 * eager so that a ring position gets its pointer at its first use.
 */
export const MEMCPY: Memcpy | null = new URL(import.meta.url).search === "?memcpy" ? Memcpy.load(true) : null;
const RING = MEMCPY === null ? "ring" : "ring (memcpy)";

const C = MIN_RING_BYTES;
const TWO32 = 4294967296;
/** A ring counter (int32, wrapping at 2^32) as the u32 it stands for. */
const u32 = (x: number): number => x >>> 0;
/**
 * These tests lay the rings out with 128-byte cells (payloads up to 96 bytes in the cell), the size they were written
 * for; jobs use shm_layout.ts's CELL_BYTES, and every other test runs with that.
 */
const CELL_BYTES = 128;
const INLINE_MAX = CELL_BYTES - CELL_HEADER_BYTES;
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
  const layout = layoutFor(2, C, CELL_BYTES);
  const sab = createShm(layout);
  const w = new Int32Array(sab, cellsAt(layout, 0, 1), layout.cells * CELL_WORDS);
  const r = new Ring(sab, layout, 0, 1, MEMCPY);
  Atomics.store(r.ctl, r.headWord, bytes | 0);
  Atomics.store(r.ctl, r.tailWord, bytes | 0);
  Atomics.store(r.ctl, r.takenWord, frames | 0);
  if (frames !== 0) {
    for (let k = 1; k <= layout.cells; k++) {
      const n = (frames - k) >>> 0;
      w[(n & (layout.cells - 1)) * CELL_WORDS] = (n + 1) | 0;
    }
  }
  return { sab, layout, prod: new Ring(sab, layout, 0, 1, MEMCPY), cons: new Ring(sab, layout, 0, 1, MEMCPY), w };
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

/** The header fields the consumer read last (the last one is where the payload is). */
function fields(r: Ring): [number, number, number, number, number, number] {
  return [r.hLength, r.hTag, r.hContext, r.hKind, r.hRdv, r.hWhere];
}

/**
 * The bytes an IN_RING payload of `need` (padded) bytes at ring position `pos` skips, as the tests expect them:
 * to position 0 when it would wrap and the skip leaves it room (need <= pos), else none (ring.ts skipFor).
 */
function skipOf(pos: number, need: number): number {
  return pos + need > C && need <= pos ? C - pos : 0;
}

/** Where putFrame puts a payload of `len` bytes. */
function whereFor(len: number): number {
  return len <= INLINE_MAX ? IN_CELL : IN_RING;
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

/**
 * Consumer: reads the whole putFrame frame at the front of the ring, checks it, and takes and releases it
 * (with the bytes it skipped); returns the skip. A byte-ring payload is read at the tail plus its skip on the
 * strength of its mark alone: `available()` is not looked at.
 */
function takeFrame(cons: Ring, want: Frame): number {
  const len = want.bytes.length;
  ok(cons.nextHeader(), "a header is published");
  deepEqual(fields(cons), [len, want.tag, want.context, want.kind, 0, whereFor(len)]);
  const got = new Uint8Array(len);
  let skip = 0;
  if (cons.hWhere === IN_CELL) {
    cons.readInline(got, 0, len);
    cons.takeCell();
  } else {
    skip = cons.skipAt(0, len);
    equal(skip, skipOf(cons.tail & cons.mask, pad8(len)), "skipAt applies the rule at the tail");
    cons.readBytes(skip, got, 0, len);
    cons.takeCell();
    cons.release(skip + pad8(len));
  }
  deepEqual(got, want.bytes);
  return skip;
}

/** Producer and consumer: moves the byte ring's position to `p` (mod capacity) with filler frames read at once. */
function moveTo(prod: Ring, cons: Ring, p: number): void {
  const step = guard(`moving to ${p}`, 10);
  for (;;) {
    step();
    const pos = prod.head & prod.mask;
    const d = (p - pos + C) % C;
    if (d === 0) return;
    const n = pos + d <= C ? d : C - pos; // to `p`, or to the end of the ring: a filler that neither wraps nor skips
    const filler = new Uint8Array(n);
    if (n > INLINE_MAX) {
      ok(prod.putFrame(filler, -1, -1, 2));
      takeFrame(cons, { bytes: filler, tag: -1, context: -1, kind: 2 });
      continue;
    }
    // Too short to go into the byte ring whole: streamed (which stores head).
    ok(prod.hasCell());
    prod.putHeader(n, -1, -1, 2);
    for (let off = 0, k = 0; off < n; k++) {
      ok(k < 3, "the filler fits");
      off = prod.putPayload(filler, off, C);
    }
    ok(cons.nextHeader());
    deepEqual(fields(cons), [n, -1, -1, 2, 0, STREAMED]);
    equal(cons.available(), n);
    cons.takeCell();
    cons.release(n);
  }
}

Deno.test(RING + ": the 2-rank job with the smallest byte ring has 8 cells", () => {
  const { prod } = pair();
  equal(prod.cells, 8);
  equal(prod.capacity, C);
  equal(INLINE_MAX, CELL_BYTES - CELL_HEADER_BYTES);
  equal(INLINE_MAX, 96);
});

Deno.test(
  RING + ": frames of every size 0..96 travel in their cell, leaving the byte ring and the rest untouched",
  () => {
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
        deepEqual(fields(cons), [len, id, -len, 1 + len % 13, 0, IN_CELL]);
        ok(cons.nextHeader(), "nextHeader consumes nothing");
        deepEqual(fields(cons), [len, id, -len, 1 + len % 13, 0, IN_CELL]);
        const dst = new Uint8Array(len + 6).fill(0xee);
        cons.readInline(dst, 3, len);
        deepEqual(dst.subarray(3, 3 + len), bytes);
        deepEqual([...dst.subarray(0, 3), ...dst.subarray(3 + len)], [0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
        cons.takeCell();
        equal(takenWord(cons), (n + 1) >>> 0);
        equal(cons.nextHeader(), false, "taken: the next cell is not yet published");
      }
    }
    equal(u32(prod.head), 0);
    equal(published(prod), 0);
  },
);

Deno.test(
  RING +
    ": frames of every size 97..4096 go whole into the byte ring (IN_RING), skipping to its start or wrapping around it intact",
  () => {
    const { prod, cons, w } = pair();
    const cb = new Uint8Array(w.buffer, w.byteOffset, w.length * 4);
    const starts = new Set<number>();
    let written = 0; // bytes of the byte ring used: payloads, their padding and the bytes skipped
    let skips = 0;
    let wraps = 0;
    for (let len = INLINE_MAX + 1; len <= C; len++) {
      const pos = prod.head & prod.mask;
      const need = pad8(len);
      const skip = skipOf(pos, need);
      const start = (pos + skip) & prod.mask;
      starts.add(start);
      if (skip > 0) skips++;
      else if (pos + need > C) wraps++;
      const bytes = patterned(len, len);
      const c = cellOf(prod, prod.frames) * 4;
      const cellPayload = cb.slice(c + CELL_HEADER_BYTES, c + CELL_BYTES);
      const ring = prod.u8.slice();
      ok(prod.putFrame(bytes, len, len * 3 - 7, 1 + len % 13), `a frame of ${len} bytes fits an empty ring`);
      written += skip + need;
      equal(
        u32(prod.head),
        written % TWO32,
        "the producer's head counts the bytes skipped, the payload and its padding",
      );
      equal(prod.head & 7, 0, "payloads start and end 8-aligned");
      equal(published(prod), 0, "head is never stored for an IN_RING payload: the mark publishes it");
      equal(cons.available(), 0, "nothing is published through head (head lags the bytes written)");
      deepEqual(cb.slice(c + CELL_HEADER_BYTES, c + CELL_BYTES), cellPayload, "the cell's payload area is untouched");
      const at = new Uint8Array(len);
      for (let i = 0; i < len; i++) at[i] = prod.u8[(start + i) & prod.mask];
      deepEqual(at, bytes, `${len} bytes: the payload lies whole at ${start} (from ${pos}, skipping ${skip})`);
      deepEqual(prod.u8.subarray(pos, pos + skip), ring.subarray(pos, pos + skip), "the bytes skipped are untouched");
      equal(takeFrame(cons, { bytes, tag: len, context: len * 3 - 7, kind: 1 + len % 13 }), skip, "the same skip");
      equal(u32(cons.tail), written % TWO32);
      ok(((published(cons) - cons.tail) >>> 0) > C, "the shared head word is behind the tail: head - tail is negative");
      equal(cons.available(), 0, "and available() is 0, not a huge u32");
    }
    ok(skips > 100, `payloads that would have wrapped started the ring over (${skips})`);
    ok(wraps > 100, `payloads too large to fit before their old position wrapped (${wraps})`);
    ok(starts.size > C / 16, `payloads started at many positions (${starts.size})`);
    ok(written > 1000 * C, "the byte ring was gone round many times with head never stored");
  },
);

Deno.test(RING + ": payloads of short and long copies straddle the end of the byte ring intact", () => {
  const { prod, cons } = pair();
  let id = 0;
  let straddles = 0; // streamed payloads across the end
  let skips = 0; // IN_RING payloads started at 0
  let wrapped = 0; // IN_RING payloads across the end
  // Read in two pieces, the second from an offset, as a partial reader does.
  const read = (from: number, len: number, what: string) => {
    const got = new Uint8Array(len);
    cons.readBytes(from, got, 0, 40);
    cons.readBytes(from + 40, got, 40, len - 40);
    equal(checkPattern(got, id), -1, what);
  };
  for (let at = 3896; at < C; at += 8) {
    for (const len of [41, 60, 97, 100, 200, 1001, 4000, C - 8, C]) {
      // Streamed: the payload wraps, whatever its length.
      moveTo(prod, cons, at);
      let bytes = patterned(len, ++id);
      ok(prod.hasCell());
      prod.putHeader(len, id, 0, 2);
      // Pieces as the producer's cached tail allows (it re-reads tail only when that says full): all of it fits.
      for (let off = 0, k = 0; off < len; k++) {
        ok(k < 3, "the empty ring takes the payload");
        off = prod.putPayload(bytes, off, 65536);
      }
      ok(cons.nextHeader());
      deepEqual(fields(cons), [len, id, 0, 2, 0, STREAMED]);
      equal(cons.available(), pad8(len));
      if (at + len > C) straddles++;
      read(0, len, `${len} streamed bytes at ${at}`);
      cons.takeCell();
      cons.release(pad8(len));
      if (len <= INLINE_MAX) continue;
      // Whole (IN_RING): starts the ring over when it fits before `at`, else wraps as a stream does.
      moveTo(prod, cons, at);
      bytes = patterned(len, ++id);
      ok(prod.putFrame(bytes, id, 0, 2));
      ok(cons.nextHeader());
      deepEqual(fields(cons), [len, id, 0, 2, 0, IN_RING]);
      const skip = cons.skipAt(0, len);
      const wraps = at + pad8(len) > C;
      equal(
        skip,
        wraps && pad8(len) <= at ? C - at : 0,
        `${len} bytes at ${at}: to 0 when it would wrap and fits there`,
      );
      if (skip > 0) skips++;
      else if (wraps) wrapped++;
      read(skip, len, `${len} bytes at ${at}, skipping ${skip}`);
      cons.takeCell();
      cons.release(skip + pad8(len));
    }
  }
  deepEqual([skips, wrapped, straddles], [86, 62, 160], "IN_RING payloads skipped and wrapped, streamed ones wrapped");
});

/** Byte offsets of `sab` that hold the bytes [from, from + n) of the byte ring of `r`, wrapping. */
function ringBytes(r: Ring, from: number, n: number): Set<number> {
  return new Set(Array.from({ length: n }, (_, i) => r.u8.byteOffset + ((from + i) & r.mask)));
}

Deno.test(
  RING + ": an IN_RING payload that would wrap starts at position 0 when it fits before its position; skipAt finds it",
  () => {
    for (const base of [0, TWO32 - C]) {
      const { sab, prod, cons, w } = pair(base);
      moveTo(prod, cons, 3000);
      const head = prod.head;
      equal(cons.tail, head, "everything before is read");
      const cellAt = w.byteOffset + cellOf(prod, prod.frames) * 4;
      const bytes = patterned(1500, 1); // 1504 bytes with padding: 3000 + 1504 > C, and 1504 <= 3000
      const before = new Uint8Array(sab).slice();
      ok(prod.putFrame(bytes, 7, 0, 2));
      equal(u32(prod.head), (head + (C - 3000) + 1504) >>> 0, "head jumps the 1096 bytes to the end, then the payload");
      equal(prod.head & prod.mask, 1504);
      if (base !== 0) equal(u32(prod.head), 1504, "the skip took head to 2^32 exactly");
      deepEqual(prod.u8.slice(0, 1500), bytes, "the payload lies at position 0");
      const payload = ringBytes(prod, 0, 1500);
      const cell = (o: number) => o >= cellAt && o < cellAt + CELL_HEADER_BYTES;
      deepEqual(
        changed(sab, before).filter((o) => !payload.has(o) && !cell(o)),
        [],
        "only the payload at 0 and its cell",
      );
      const end = prod.u8.byteOffset + C;
      deepEqual(
        before.subarray(end - 1096, end),
        prod.u8.subarray(C - 1096),
        "the bytes from 3000 to the end untouched",
      );
      equal(published(prod), base, "head is not stored: the mark publishes the payload");
      equal(prod.freeFor(C), C - 1096 - 1504, "the bytes skipped are used until the payload is read");
      // The consumer applies the same rule at its tail.
      ok(cons.nextHeader());
      deepEqual(fields(cons), [1500, 7, 0, 2, 0, IN_RING]);
      equal(cons.skipAt(0, 1500), 1096);
      equal(cons.skipAt(1096, 1500), 0, "at position 0 there is nothing to skip");
      const got = new Uint8Array(1500);
      cons.readBytes(1096, got, 0, 700);
      cons.readBytes(1096 + 700, got, 700, 800);
      deepEqual(got, bytes);
      cons.takeCell();
      equal(prod.freeFor(C), C, "taking its cell frees the payload and the bytes skipped (inferred from taken)");
      cons.passRing(1096 + 1504);
      equal(
        u32(cons.tail),
        u32(prod.head),
        "the consumer passed the skip and the payload: it is where the producer is",
      );
      // The next payload follows at 1504, the bytes skipped stay untouched.
      const next = patterned(2000, 2);
      ok(prod.putFrame(next, 8, 0, 2));
      equal(prod.head & prod.mask, 1504 + 2000);
      equal(takeFrame(cons, { bytes: next, tag: 8, context: 0, kind: 2 }), 0);
    }
  },
);

Deno.test(
  RING + ": an IN_RING payload too large to fit before its position still wraps around the end, and reads intact",
  () => {
    for (const base of [0, TWO32 - C]) {
      const { sab, prod, cons, w } = pair(base);
      moveTo(prod, cons, 1000);
      const head = prod.head;
      const cellAt = w.byteOffset + cellOf(prod, prod.frames) * 4;
      const bytes = patterned(3500, 3); // 3504 bytes with padding: 1000 + 3504 > C, and 3504 > 1000
      const before = new Uint8Array(sab).slice();
      ok(prod.putFrame(bytes, 9, 0, 2));
      equal(u32(prod.head), (head + 3504) >>> 0, "no skip: head counts the payload alone");
      deepEqual(prod.u8.slice(1000, C), bytes.subarray(0, C - 1000), "from 1000 to the end of the ring");
      deepEqual(prod.u8.slice(0, 3500 - (C - 1000)), bytes.subarray(C - 1000), "and on from position 0");
      const payload = ringBytes(prod, 1000, 3500);
      const cell = (o: number) => o >= cellAt && o < cellAt + CELL_HEADER_BYTES;
      deepEqual(changed(sab, before).filter((o) => !payload.has(o) && !cell(o)), [], "only the payload and its cell");
      equal(prod.freeFor(C), C - 3504);
      ok(cons.nextHeader());
      deepEqual(fields(cons), [3500, 9, 0, 2, 0, IN_RING]);
      equal(cons.skipAt(0, 3500), 0);
      const got = new Uint8Array(3500);
      cons.readBytes(0, got, 0, 3500); // one copy across the end
      deepEqual(got, bytes);
      got.fill(0);
      cons.readBytes(0, got, 0, 3090); // pieces ending just before, at and just after the end
      cons.readBytes(3090, got, 3090, 6);
      cons.readBytes(3096, got, 3096, 4);
      cons.readBytes(3100, got, 3100, 400);
      deepEqual(got, bytes);
      cons.takeCell();
      cons.release(3504);
      equal(u32(cons.tail), u32(prod.head));
    }
  },
);

Deno.test(RING + ": the skip rule at its edges, producer and consumer alike", () => {
  const { prod, cons } = pair();
  // [position, padded length, bytes skipped]
  const cases = [
    [0, C, 0], // the whole ring from 0
    [2048, 2048, 0], // ends exactly at the end of the ring: no wrap, no skip
    [3000, 1096, 0], // the same
    [3000, 1104, 1096], // one word past the end: fits before 3000, so it starts at 0
    [3000, 3000, 1096], // as long as its position: starts at 0 and ends where the skipped bytes begin
    [3000, 3008, 0], // one word longer than its position: wraps
    [4088, 104, 8], // the smallest IN_RING payload at the last word
    [8, C, 0], // the whole ring, from 8: wraps
    [104, 4000, 0], // wraps
    [4000, 104, 96],
  ];
  let id = 0;
  for (const [at, need, skip] of cases) {
    for (const len of [need - 7, need]) {
      if (len <= INLINE_MAX) continue;
      moveTo(prod, cons, at);
      const head = prod.head;
      const bytes = patterned(len, ++id);
      ok(prod.putFrame(bytes, id, 0, 2), `${len} bytes at ${at} fit the empty ring`);
      equal(u32(prod.head), head + skip + need, `${len} bytes at ${at}: ${skip} skipped`);
      const where = new Uint8Array(len);
      for (let i = 0; i < len; i++) where[i] = prod.u8[(at + skip + i) & prod.mask];
      deepEqual(where, bytes, `${len} bytes at ${at}: the payload lies at ${(at + skip) & prod.mask}`);
      equal(cons.skipAt(0, len), skip);
      equal(takeFrame(cons, { bytes, tag: id, context: 0, kind: 2 }), skip);
      equal(u32(cons.tail), u32(prod.head));
    }
  }
});

Deno.test(
  RING +
    ": an IN_RING payload that skips needs room for the skip too; refused, it writes nothing until the consumer frees it",
  () => {
    for (const base of [0, TWO32 - 2000]) {
      const { sab, prod, cons } = pair(base);
      moveTo(prod, cons, 1000);
      // Unread: 504 bytes at 1000 and 2000 at 1504, up to 3504.
      const a = patterned(504, 1);
      const b = patterned(2000, 2);
      ok(prod.putFrame(a, 1, 0, 2));
      ok(prod.putFrame(b, 2, 0, 2));
      equal(prod.head & prod.mask, 3504);
      // 1504 bytes at 3504 would wrap, and fit before it: they need the 592 to the end as well, 2096 in all. 1592
      // are free: enough for the payload alone, not for the skip and the payload.
      const c = patterned(1500, 3);
      equal(prod.freeFor(C), C - 2504);
      ok(prod.freeFor(C) >= pad8(c.length), "the payload alone would fit");
      let before = new Uint8Array(sab).slice();
      const head = prod.head;
      const frames = prod.frames;
      equal(prod.putFrame(c, 3, 0, 2), false, "no room for the skip and the payload");
      deepEqual(changed(sab, before), [], "a refused frame writes nothing");
      deepEqual([prod.head, prod.frames, published(prod)], [head, frames, base]);
      // The consumer reads the first: exactly enough room now (2096 free).
      equal(takeFrame(cons, { bytes: a, tag: 1, context: 0, kind: 2 }), 0);
      equal(prod.freeFor(C), 592 + 1504);
      before = new Uint8Array(sab).slice();
      ok(prod.putFrame(c, 3, 0, 2), "it fits once the consumer has released enough");
      equal(u32(prod.head), (head + 592 + 1504) >>> 0);
      equal(prod.freeFor(1), 0, "the ring is full: the second payload, the skip and the third");
      ok(changed(sab, before).every((o) => o < prod.u8.byteOffset + 1500 || o >= prod.u8.byteOffset + C));
      // The unread payload between them is intact; the consumer finds the third at 0.
      equal(takeFrame(cons, { bytes: b, tag: 2, context: 0, kind: 2 }), 0);
      equal(takeFrame(cons, { bytes: c, tag: 3, context: 0, kind: 2 }), 592);
      equal(u32(cons.tail), u32(prod.head));
      equal(prod.freeFor(C), C);
    }
  },
);

Deno.test(RING + ": unreadFrames counts the bytes an IN_RING payload skips before a partial STREAMED one", () => {
  for (const base of [0, TWO32 - 2048]) {
    const { sab, layout, prod, cons } = pair(base);
    const list = () => unreadFrames(sab, layout, 0, 1);
    moveTo(prod, cons, 2048);
    // A whole stream of 400 bytes (2048..2448), then 1800 bytes that skip 1648 to start at 0 (the rule at 2448,
    // 400 bytes past the tail: at the tail itself they would not wrap), then a stream with 200 of its 400 bytes.
    prod.putHeader(400, 1, 0, 2);
    equal(prod.putPayload(patterned(400, 1), 0, 4096), 400);
    ok(prod.putFrame(patterned(1800, 2), 2, 0, 2));
    equal(prod.head & prod.mask, 1800);
    prod.putHeader(400, 3, 0, 2);
    equal(prod.putPayload(patterned(400, 3), 0, 200), 200);
    equal(cons.available(), 400 + 1648 + 1800 + 200);
    ok(cons.available() - 400 - 1800 >= 400, "counted without the skip, the last stream would look whole");
    ok(cons.skipAt(0, 1800) === 0 && cons.skipAt(400, 1800) === 1648, "the skip is the one 400 bytes past the tail");
    const f1 = { length: 400, tag: 1, context: 0, whole: true };
    const f2 = { length: 1800, tag: 2, context: 0, whole: true };
    deepEqual(list(), [f1, f2, { length: 400, tag: 3, context: 0, whole: false }]);
    // The consumer takes the first stream: the list counts from its tail, where the skip is at offset 0.
    ok(cons.nextHeader());
    cons.takeCell();
    cons.release(400);
    deepEqual(list(), [f2, { length: 400, tag: 3, context: 0, whole: false }]);
    for (let off = 200, k = 0; off < 400; k++) {
      ok(k < 3, "the rest fits");
      off = prod.putPayload(patterned(400, 3), off, 4096);
    }
    deepEqual(list(), [f2, { length: 400, tag: 3, context: 0, whole: true }]);
    equal(takeFrame(cons, { bytes: patterned(1800, 2), tag: 2, context: 0, kind: 2 }), 1648);
    deepEqual(list(), [{ length: 400, tag: 3, context: 0, whole: true }]);
    ok(cons.nextHeader());
    const got = new Uint8Array(400);
    cons.readBytes(0, got, 0, 400);
    deepEqual(got, patterned(400, 3));
    cons.takeCell();
    cons.release(400);
    deepEqual(list(), []);
  }
});

Deno.test(RING + ": putNumber carries one float64 in its cell (-0 and NaN included), in every cell", () => {
  const { prod, cons } = pair();
  const values = [0, -0, NaN, Infinity, -Infinity, 1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, -1e300];
  for (let lap = 0; lap < 3; lap++) {
    for (const x of values) {
      ok(prod.putNumber(x, 4, 6, 20));
      equal(cons.available(), 0, "the byte ring is not used");
      equal(u32(prod.head), 0);
      ok(cons.nextHeader());
      deepEqual(fields(cons), [8, 4, 6, 20, 0, IN_CELL]);
      ok(Object.is(cons.inlineF64(), x), `${x}`);
      const raw = new Uint8Array(8);
      cons.readInline(raw, 0, 8);
      deepEqual(raw, new Uint8Array(new Float64Array([x]).buffer));
      cons.takeCell();
    }
  }
  equal(u32(cons.frames), 27);
});

Deno.test(
  RING + ": cell marks wrap around the cell ring many times; each cell holds the mark of its last frame",
  () => {
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
          equal(u32(prod.frames), n, "a refused frame takes no cell");
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
  },
);

Deno.test(
  RING + ": putFrame and putNumber refuse, writing nothing, when no cell is free or the byte ring lacks room",
  () => {
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

    // Byte ring full: four payloads of 1024 bytes fill it exactly (the marks publish them; head is not stored).
    const big = [0, 1, 2, 3].map((i) => patterned(1024, 100 + i));
    big.forEach((f, i) => ok(prod.putFrame(f, 10 + i, 0, 2), `payload ${i} fits`));
    deepEqual([prod.head, published(prod), cons.available()], [C, 0, 0]);
    equal(prod.freeFor(1), 0);
    ok(prod.hasCell(), "cells are free");
    before = new Uint8Array(sab).slice();
    const frames = prod.frames;
    equal(prod.putFrame(new Uint8Array(INLINE_MAX + 1), 9, 0, 2), false);
    equal(prod.putFrame(patterned(1000, 9), 9, 0, 2), false);
    deepEqual(changed(sab, before), [], "a refused frame writes no byte");
    deepEqual([prod.frames, prod.head, published(prod)], [frames, C, 0]);
    // In-cell frames do not need the byte ring.
    const tiny = patterned(INLINE_MAX, 7);
    ok(prod.putFrame(tiny, 14, 0, 2));
    ok(prod.putNumber(4.5, 15, 0, 20));
    // Taking the first payload's cell frees its bytes: the producer infers them from taken (the consumer stores tail
    // lazily after IN_RING payloads), exactly 1024, not one byte more.
    ok(cons.nextHeader());
    cons.takeCell();
    equal(prod.freeFor(1), 1024);
    cons.release(1024);
    equal(prod.putFrame(new Uint8Array(1025), 9, 0, 2), false, "1025 bytes pad to 1032");
    const next = patterned(1017, 104); // pads to 1024
    ok(prod.putFrame(next, 16, 0, 2));
    equal(prod.putFrame(new Uint8Array(INLINE_MAX + 1), 9, 0, 2), false);
    for (let i = 1; i < 4; i++) takeFrame(cons, { bytes: big[i], tag: 10 + i, context: 0, kind: 2 });
    takeFrame(cons, { bytes: tiny, tag: 14, context: 0, kind: 2 });
    ok(cons.nextHeader());
    deepEqual(fields(cons), [8, 15, 0, 20, 0, IN_CELL]);
    ok(Object.is(cons.inlineF64(), 4.5));
    cons.takeCell();
    takeFrame(cons, { bytes: next, tag: 16, context: 0, kind: 2 });
    // Larger than the byte ring: refused even when it is empty; a payload that fills it exactly fits.
    equal(cons.available(), 0);
    equal(prod.putFrame(new Uint8Array(C + 1), 0, 0, 2), false);
    equal(prod.putFrame(new Uint8Array(5000), 0, 0, 2), false);
    const full = patterned(C, 5);
    ok(prod.putFrame(full, 5, 0, 2));
    equal(prod.freeFor(1), 0);
    equal(cons.available(), 0, "head still lags: the payload is published by its mark");
    takeFrame(cons, { bytes: full, tag: 5, context: 0, kind: 2 });
    equal(published(prod), 0, "head was never stored");
  },
);

Deno.test(RING + ": hasCell and freeFor re-read taken and tail only when the cached value says full", () => {
  const { prod, cons } = pair();
  // The byte ring: prod.tail is the cached tail.
  for (let i = 0; i < 3; i++) ok(prod.putFrame(new Uint8Array(1024), i, 0, 2));
  equal(prod.freeFor(1), 1024);
  takeFrame(cons, { bytes: new Uint8Array(1024), tag: 0, context: 0, kind: 2 });
  equal(prod.freeFor(1024), 1024, "enough by the cached tail: not re-read");
  equal(u32(prod.tail), 0);
  equal(prod.freeFor(1025), 2048, "too little by the cached tail: re-read");
  equal(u32(prod.tail), 1024);
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

Deno.test(RING + ": a 64-bit payload length survives the header", () => {
  const { prod, cons, w } = pair();
  for (const len of [97, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 123, Number.MAX_SAFE_INTEGER]) {
    ok(prod.hasCell());
    const c = cellOf(prod, prod.frames);
    prod.putHeader(len, -1, 2 ** 31 - 1, 3, 77);
    deepEqual([w[c + 1] >>> 0, w[c + 2] >>> 0], [len % TWO32, Math.floor(len / TWO32)], "low and high words");
    equal(cons.available(), 0, "a header publishes no payload");
    ok(cons.nextHeader());
    deepEqual(fields(cons), [len, -1, 2 ** 31 - 1, 3, 77, STREAMED]);
    cons.takeCell();
  }
});

Deno.test(RING + ": pad8 rounds up to a multiple of 8", () => {
  deepEqual([0, 1, 7, 8, 9, 15, 16, 1001, 2 ** 31 - 8].map(pad8), [0, 8, 8, 8, 16, 16, 16, 1008, 2 ** 31 - 8]);
});

Deno.test(RING + ": pad8 is right for message lengths of 2^31 and more", () => {
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
 * piece when `eager`, else only when the byte ring is full); returns how often the producer found it full. The
 * consumer has read every frame before (it reads the stream at its tail): head may lag behind its tail.
 */
function stream(prod: Ring, cons: Ring, bytes: Uint8Array, chunk: number, tag: number, eager: boolean): number {
  deepEqual([cons.frames, cons.tail], [prod.frames, prod.head], "the consumer has read every frame before");
  const got = new Uint8Array(bytes.length);
  const padded = pad8(bytes.length);
  let taken = false;
  let received = 0; // payload bytes (with padding) consumed
  let stalls = 0;
  const drain = () => {
    if (!taken) {
      ok(cons.nextHeader());
      deepEqual(fields(cons), [bytes.length, tag, 7, 2, 0, STREAMED]);
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
  equal(before, 0, "nothing unread");
  prod.putHeader(bytes.length, tag, 7, 2);
  equal(cons.available(), 0, "putHeader publishes no payload");
  ok(cons.nextHeader(), "its cell is published at once");
  deepEqual(fields(cons), [bytes.length, tag, 7, 2, 0, STREAMED]);
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
    equal(published(prod), u32(prod.head), "head is stored: every byte written so far is published");
    equal(cons.available() - avail, pad8(piece), "the piece is published (and nothing before it is counted)");
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

Deno.test(
  RING + ": a payload larger than the byte ring streams through putHeader + putPayload, eager and lazy reader",
  () => {
    const { prod, cons } = pair();
    const runs = [[100_003, 65536], [100_003, 1000], [20_001, 8], [4097, 4096], [C, 4096], [0, 64], [5, 64], [96, 8]];
    let skips = 0;
    for (const [len, chunk] of runs) {
      for (const eager of [false, true]) {
        const stalls = stream(prod, cons, patterned(len, len), chunk, len, eager);
        equal(published(prod), u32(prod.head), "head is stored by the header and each piece, covering all before it");
        if (len > C && !eager) ok(stalls > 0, "the producer waited for the consumer");
        if (eager && chunk < C) equal(stalls, 0, "an eager reader keeps room");
        // The next frames start where the padded payload ended (the IN_RING one at 0 if it would wrap); the IN_RING
        // one leaves the head word where the stream put it.
        const end = prod.head;
        const skip = skipOf(end & prod.mask, 336);
        if (skip > 0) skips++;
        const after = patterned(333, 1);
        ok(prod.putFrame(after, 1, 2, 3));
        ok(prod.putNumber(0.5, 2, 2, 20));
        deepEqual([prod.head, published(prod)], [(end + skip + 336) % TWO32, end]);
        equal(takeFrame(cons, { bytes: after, tag: 1, context: 2, kind: 3 }), skip);
        ok(cons.nextHeader());
        equal(cons.inlineF64(), 0.5);
        cons.takeCell();
        equal(cons.available(), 0);
        equal(cons.nextHeader(), false);
      }
    }
    equal(skips, 1, "one frame after a stream started the ring over");
  },
);

Deno.test(
  RING + ": head, tail and the frame counter wrap around 2^32 (u32 counters), framing and room stay right",
  () => {
    const start = TWO32 - C; // 2^32 is a multiple of the capacity: the u32 wrap is also a byte-ring wrap
    const { prod, cons, w } = pair(start, TWO32 - 5);
    deepEqual([prod.head, cons.tail, prod.frames, cons.frames].map(u32), [start, start, TWO32 - 5, TWO32 - 5]);
    deepEqual([cons.available(), prod.freeFor(1), prod.hasCell(), cons.nextHeader()], [0, C, true, false]);
    // Frames across the u32 wrap of the frame counter: frame 2^32 - 1 has the mark 0.
    for (let k = 0; k < 20; k++) {
      const n = prod.frames;
      const c = cellOf(prod, n);
      equal(Atomics.load(w, c), (n + 1 - prod.cells) | 0);
      const bytes = patterned(k * 9, k);
      ok(prod.putFrame(bytes, k, 0, 2));
      equal(Atomics.load(w, c), (n + 1) | 0);
      equal(u32(prod.frames), u32(n + 1));
      takeFrame(cons, { bytes, tag: k, context: 0, kind: 2 });
      equal(takenWord(cons), u32(n + 1));
    }
    equal(u32(prod.frames), 15, "the frame counter wrapped");
    // A payload straddling both the u32 wrap and the end of the byte ring (too large to fit before its position, so
    // it wraps rather than starting the ring over).
    ok((prod.head & prod.mask) < 2000);
    moveTo(prod, cons, 2000);
    equal(u32(prod.head), TWO32 - C + 2000, "still before the u32 wrap");
    equal(published(prod), start, "only IN_RING frames so far: head was never stored");
    const bytes = patterned(3000, 3);
    ok(prod.putFrame(bytes, 3, 1, 2));
    equal(u32(prod.head), 2000 + 3000 - C, "the head counter wrapped past 2^32");
    equal(published(prod), start, "the head word did not follow");
    equal(cons.available(), 0, "nothing is published through head");
    equal(prod.freeFor(1), C - 3000);
    equal(takeFrame(cons, { bytes, tag: 3, context: 1, kind: 2 }), 0, "read where it was written, across the end");
    equal(u32(cons.tail), 2000 + 3000 - C, "the tail counter wrapped past 2^32");
    ok(published(cons) >= TWO32 - C, "while the head word has not: it lags behind tail across the wrap");
    equal(cons.available(), 0, "and available() is 0, not a huge u32");
    // A stream now stores head past the wrap, covering every IN_RING byte before it.
    const tail = cons.tail;
    stream(prod, cons, patterned(5000, 13), 1000, 13, true);
    equal(published(prod), (tail + 5000) % TWO32);
    equal(cons.available(), 0);
    // A payload that fits before its position, just short of the end of the byte ring and of 2^32, skips to 0: the
    // skip takes head exactly to 2^32 (0 as a u32), and the skipped bytes count as used until the payload is read.
    const s = pair(start);
    moveTo(s.prod, s.cons, C - 8);
    equal(u32(s.prod.head), TWO32 - 8);
    const small = patterned(300, 4);
    ok(s.prod.putFrame(small, 4, 1, 2));
    equal(u32(s.prod.head), 304, "8 bytes skipped to 2^32, then the payload");
    equal(s.prod.freeFor(1), C - 312, "the skipped bytes are not free");
    equal(checkPattern(s.prod.u8.slice(0, 300), 4), -1, "the payload lies at 0");
    equal(takeFrame(s.cons, { bytes: small, tag: 4, context: 1, kind: 2 }), 8);
    equal(u32(s.cons.tail), 304, "the tail counter passed the skip and wrapped past 2^32");
    equal(s.prod.freeFor(C), C);
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
  },
);

/** A frame as the consumer got it. */
interface Got {
  length: number;
  bytes: Uint8Array | null;
  tag: number;
  context: number;
  kind: number;
  rdv: number;
  /** Where its payload was: IN_CELL, IN_RING or STREAMED. */
  where: number;
}

/** What a test checks as a {@linkcode Puller} reads. */
interface PullCheck {
  /** A header was read: the frame's index (frames got before it). */
  header?: (index: number) => void;
  /** `n` bytes of a byte-ring payload are about to be read at `pos` (bytes since the start of the test, unwrapped). */
  read?: (where: number, pos: number, n: number) => void;
  /** `available()` returned `avail` with `tail` at `pos` (unwrapped). */
  avail?: (avail: number, pos: number) => void;
}

/**
 * A consumer that reads as inbox.ts #pull does: an IN_CELL payload from its cell; an IN_RING payload whole at
 * `used` (the byte-ring bytes this pull has consumed so far) plus its skip (`skipAt(used, length)`, counted in
 * `used`), on the strength of its mark alone, without a look at head; a STREAMED payload piece by piece, `available() - used` bytes at a time, `available()` read (again) once
 * its header is seen. For a partial reader, `byteLimit` caps `used` for streamed bytes and `frameLimit` the headers
 * a pull takes; a pull releases what it used at its end.
 */
class Puller {
  readonly got: Got[] = [];
  /** The streamed frame being read, and its payload bytes (with padding) read so far. */
  cur: { f: Got; received: number } | null = null;
  /** Bytes released so far (not wrapped). */
  released = 0;
  /** Times available() was called. */
  availCalls = 0;
  /** Streamed pieces read in a pull after an IN_RING payload of the same pull (`used` > 0 from it). */
  afterInRing = 0;
  /** IN_RING payloads that started the ring over, and the bytes they skipped. */
  skips = 0;
  skipped = 0;

  constructor(readonly cons: Ring, readonly base = 0, readonly check: PullCheck = {}) {}

  pull(byteLimit = Infinity, frameLimit = Infinity): void {
    const cons = this.cons;
    const check = this.check;
    let avail = -1;
    let used = 0;
    let headers = 0;
    let inRing = false;
    for (;;) {
      let cur = this.cur;
      if (cur === null) {
        if (headers >= frameLimit || !cons.nextHeader()) break;
        headers++;
        check.header?.(this.got.length);
        const f: Got = {
          length: cons.hLength,
          bytes: cons.hRdv !== 0 ? null : new Uint8Array(cons.hLength),
          tag: cons.hTag,
          context: cons.hContext,
          kind: cons.hKind,
          rdv: cons.hRdv,
          where: cons.hWhere,
        };
        if (f.bytes === null) {
          equal(f.where, STREAMED, "a rendezvous header is put by putHeader");
          cons.takeCell();
          this.got.push(f);
          continue;
        }
        if (f.where === IN_CELL) {
          cons.readInline(f.bytes, 0, f.length);
          if (f.kind === 20) deepEqual(new Float64Array([cons.inlineF64()]), new Float64Array(f.bytes.buffer));
          cons.takeCell();
          this.got.push(f);
          continue;
        }
        if (f.where === IN_RING) {
          const padded = pad8(f.length);
          const skip = cons.skipAt(used, f.length);
          if (skip > 0) {
            this.skips++;
            this.skipped += skip;
          }
          used += skip;
          check.read?.(IN_RING, this.base + this.released + used, padded);
          cons.readBytes(used, f.bytes, 0, f.length);
          used += padded;
          inRing = true;
          cons.takeCell();
          this.got.push(f);
          continue;
        }
        equal(f.where, STREAMED, "word 7 is IN_CELL, IN_RING or STREAMED");
        cons.takeCell();
        cur = this.cur = { f, received: 0 };
        avail = -1; // its payload may have been published after the last look
      }
      if (avail < 0) {
        avail = cons.available();
        this.availCalls++;
        check.avail?.(avail, this.base + this.released);
      }
      const padded = pad8(cur.f.length);
      const n = Math.min(padded - cur.received, avail - used, byteLimit - used);
      if (n > 0) {
        check.read?.(STREAMED, this.base + this.released + used, n);
        const copy = Math.min(n, cur.f.length - cur.received);
        if (copy > 0) cons.readBytes(used, cur.f.bytes!, cur.received, copy);
        cur.received += n;
        used += n;
        if (inRing) this.afterInRing++;
      }
      if (cur.received !== padded) break;
      this.got.push(cur.f);
      this.cur = null;
    }
    if (used > 0) cons.release(used);
    this.released += used;
  }
}

/** Payload bytes (with padding) read so far of the streamed frame `p` is reading, or -1 when none. */
function streamed(p: Puller): number {
  return p.cur === null ? -1 : p.cur.received;
}

/** The frame a test expects a Puller to get. */
function expected(
  bytes: Uint8Array | null,
  length: number,
  tag: number,
  context: number,
  kind: number,
  rdv: number,
  where: number,
): Got {
  return { length, bytes, tag, context, kind, rdv, where };
}

Deno.test(
  RING + ": random interleavings of frames, numbers, streams and rendezvous headers against a partial reader",
  () => {
    for (const [bytes0, frames0] of [[0, 0], [TWO32 - 24_000, TWO32 - 300]]) {
      const { prod, cons } = pair(bytes0, frames0);
      const rand = rng(bytes0 + 17);
      const sent: Got[] = [];
      // The producer's bytes written into the byte ring and published through head, counted from bytes0 unwrapped.
      let written = bytes0;
      let pub = bytes0;
      let lagReads = 0; // IN_RING payloads read while head did not cover them
      let lagLooks = 0; // available() calls while head was behind tail
      let skips = 0; // IN_RING payloads the producer started at 0 instead of wrapping, by the model
      let wraps = 0; // IN_RING payloads read across the end of the byte ring
      const reader = new Puller(cons, bytes0, {
        header: (i) => {
          ok(sent[i] !== undefined, "a header is published only for a frame sent");
          equal(cons.hWhere, sent[i].where, `frame ${i}: where its payload is`);
        },
        read: (where, pos, n) => {
          if (where === IN_RING) {
            ok(pos + n <= written, "an IN_RING payload is whole in the ring when its mark is seen");
            if (pos + n > pub) lagReads++;
            if (pos % C + n > C) {
              ok(
                n > pos % C,
                `an IN_RING payload at ${pos % C} wraps only when it does not fit before it (${n} bytes)`,
              );
              wraps++;
            }
          } else ok(pos + n <= pub, `streamed bytes [${pos}, ${pos + n}) read only once published (head ${pub})`);
        },
        avail: (avail, pos) => {
          equal(avail, Math.max(0, pub - pos), "available() is head − tail, or 0 while head lags behind tail");
          if (pub < pos) lagLooks++;
        },
      });
      const randomPull = () => reader.pull(8 * Math.floor(rand() * (C / 8 + 1)), Math.floor(rand() * 10));
      const step = guard("the random run", 1_000_000);
      const waitCell = () => {
        while (!prod.hasCell()) {
          step();
          randomPull();
        }
      };
      for (let i = 0; i < 2000; i++) {
        const op = rand();
        if (op < 0.35) {
          const len = rand() < 0.5
            ? Math.floor(rand() * (INLINE_MAX + 1))
            : INLINE_MAX + 1 + Math.floor(rand() * (rand() < 0.8 ? 1400 : C - INLINE_MAX));
          const bytes = patterned(len, i);
          sent.push(expected(bytes, len, i, i & 15, 2, 0, whereFor(len)));
          while (!prod.putFrame(bytes, i, i & 15, 2)) {
            step();
            randomPull();
          }
          if (len > INLINE_MAX) {
            // Starts the ring over if it would wrap and fits before its position: the skipped bytes count as written.
            const skip = skipOf(written % C, pad8(len));
            if (skip > 0) skips++;
            written += skip + pad8(len);
          }
        } else if (op < 0.5) {
          const x = rand() * 1e6 - 5e5;
          sent.push(expected(new Uint8Array(new Float64Array([x]).buffer), 8, i, 1, 20, 0, IN_CELL));
          while (!prod.putNumber(x, i, 1, 20)) {
            step();
            randomPull();
          }
        } else if (op < 0.9) {
          // Streamed, also a payload small enough for a cell (the outbox streams whatever it queued).
          const len = Math.floor(rand() * (rand() < 0.25 ? INLINE_MAX + 1 : 9000));
          const bytes = patterned(len, i);
          const chunk = [8, 64, 520, 4096, 65536][Math.floor(rand() * 5)];
          sent.push(expected(bytes, len, i, 2, 5, 0, STREAMED));
          waitCell();
          prod.putHeader(len, i, 2, 5);
          pub = written; // putHeader stores head: it covers every IN_RING payload before the stream
          equal(published(prod), pub % TWO32, "putHeader stores head, covering what was written before");
          if (rand() < 0.5) randomPull(); // the receiver may see the header before any of the payload
          let off = 0;
          while (off < len) {
            step();
            const next = prod.putPayload(bytes, off, chunk);
            if (next !== off) {
              written += next === len ? pad8(len) - off : next - off;
              pub = written;
            }
            if (next === off || rand() < 0.1) randomPull();
            off = next;
          }
        } else {
          const len = Math.floor(rand() * 2 ** 40);
          const rdv = 1 + Math.floor(rand() * 1000);
          sent.push(expected(null, len, i, 3, 2, rdv, STREAMED));
          waitCell();
          prod.putHeader(len, i, 3, 2, rdv);
        }
        equal(u32(prod.head), written % TWO32, "the producer's head counts every byte written");
        equal(published(prod), pub % TWO32, "the head word is stored by streamed pieces only");
        ok(((prod.head - cons.tail) >>> 0) <= C, "never more than the capacity unread");
        ok(((prod.frames - cons.frames) >>> 0) <= prod.cells, "never more than the cells in flight");
        if (rand() < 0.3) randomPull();
      }
      while (reader.got.length < sent.length) {
        step();
        reader.pull(C, 100);
      }
      equal(reader.cur, null);
      equal(cons.available(), 0);
      equal(cons.nextHeader(), false);
      equal(reader.got.length, sent.length);
      for (let i = 0; i < sent.length; i++) {
        deepEqual(
          reader.got[i],
          sent[i],
          `frame ${i} (start ${bytes0}, ${frames0})`,
        );
      }
      equal(reader.released + bytes0, written, "every byte written was released");
      equal(u32(cons.tail), written % TWO32);
      equal(u32(cons.frames), (frames0 + sent.length) % TWO32);
      equal(takenWord(cons), u32(cons.frames));
      ok(lagReads > 20, `IN_RING payloads read while head lagged behind them (${lagReads})`);
      // A reader looks at available() only for a stream, whose header stored head at or past the stream's start.
      equal(lagLooks, 0, "available() is never looked at while head lags behind tail");
      ok(
        reader.afterInRing > 20,
        `streamed pieces read after IN_RING payloads in the same pull (${reader.afterInRing})`,
      );
      equal(reader.skips, skips, "the reader skipped where the producer did");
      ok(skips > 40, `IN_RING payloads started the ring over (${skips})`);
      ok(wraps > 5, `IN_RING payloads too large to start it over wrapped (${wraps})`);
      if (bytes0 !== 0) ok(written > TWO32, "the byte counters crossed the u32 wrap");
      if (frames0 !== 0) ok(sent.length > TWO32 - frames0, "the frame counter crossed the u32 wrap");
    }
  },
);

Deno.test(
  RING + ": IN_RING payloads are read at the tail without a look at head; available() is 0 while head lags behind tail",
  () => {
    for (const base of [0, TWO32 - 1504]) {
      const { prod, cons } = pair(base);
      const rand = rng(base + 3);
      let written = 0; // bytes of the byte ring used (IN_RING payloads, their padding and the bytes they skipped)
      let skips = 0;
      const want: Got[] = [];
      const reader = new Puller(cons, base, {
        read: (where, pos, n) => {
          equal(where, IN_RING);
          ok(pos + n <= base + written, "the payload is whole in the ring when its mark is seen");
        },
      });
      for (let round = 0; round < 300; round++) {
        // Up to a cell ring of frames, mostly IN_RING, as many as fit.
        for (let k = 0; k < 8; k++) {
          const len = rand() < 0.8 ? INLINE_MAX + 1 + Math.floor(rand() * 1500) : Math.floor(rand() * (INLINE_MAX + 1));
          const bytes = patterned(len, want.length);
          if (!prod.putFrame(bytes, want.length, 1, 2)) break;
          want.push(expected(bytes, len, want.length, 1, 2, 0, whereFor(len)));
          if (len > INLINE_MAX) {
            const skip = skipOf((base + written) % C, pad8(len));
            if (skip > 0) skips++;
            written += skip + pad8(len);
          }
        }
        equal(u32(prod.head), (base + written) % TWO32);
        equal(published(prod), base, "the head word is never stored by IN_RING payloads");
        equal(cons.available(), 0, "nothing is published through head");
        // A partial reader: a few headers per pull, the last pull of a round takes the rest.
        while (reader.got.length < want.length) reader.pull(Infinity, 1 + Math.floor(rand() * 4));
        deepEqual(reader.got, want);
        equal(reader.availCalls, 0, "an IN_RING payload is read without available()");
        equal(u32(cons.tail), (base + written) % TWO32);
        equal((cons.tail - published(cons)) >>> 0, written, "head lags behind tail by every IN_RING byte");
        equal(
          cons.available(),
          0,
          `0 with head ${written} bytes behind tail, not ${(published(cons) - cons.tail) >>> 0}`,
        );
      }
      ok(written > 100 * C, "the byte ring went round many times with head never stored");
      if (base !== 0) ok(cons.tail < base, "tail wrapped past 2^32 while the head word stayed before it");
      equal(reader.skips, skips, "the reader skipped where the producer did");
      ok(skips > 100, `IN_RING payloads started the ring over (${skips})`);
    }
  },
);

Deno.test(
  RING + ": a STREAMED payload after IN_RING ones stores a head that covers them; the consumer reads each in its place",
  () => {
    for (const base of [0, TWO32 - 2000]) {
      const { prod, cons } = pair(base);
      const pubAt = () => base + ((published(prod) - base) >>> 0); // the head word, unwrapped
      const reader = new Puller(cons, base, {
        read: (where, pos, n) => {
          if (where === STREAMED) ok(pos + n <= pubAt(), `streamed bytes [${pos}, ${pos + n}) read once published`);
        },
      });
      const want: Got[] = [];
      let skips = 0;
      // Puts a frame; returns the bytes of the byte ring it uses (the bytes it skips, its payload and padding).
      const frame = (len: number): number => {
        const bytes = patterned(len, want.length);
        const head = prod.head;
        ok(prod.putFrame(bytes, want.length, 0, 2), `a frame of ${len} bytes fits`);
        want.push(expected(bytes, len, want.length, 0, 2, 0, whereFor(len)));
        if (len <= INLINE_MAX) return 0;
        const skip = skipOf(head & prod.mask, pad8(len));
        if (skip > 0) skips++;
        equal(u32(prod.head), (head + skip + pad8(len)) >>> 0, "the producer's head counts the skip and the payload");
        return skip + pad8(len);
      };
      const header = (len: number): Uint8Array => {
        const bytes = patterned(len, want.length);
        ok(prod.hasCell());
        prod.putHeader(len, want.length, 0, 5);
        want.push(expected(bytes, len, want.length, 0, 5, 0, STREAMED));
        return bytes;
      };
      const piece = (bytes: Uint8Array, off: number, chunk: number) => {
        const need = Math.min(chunk, pad8(bytes.length - off));
        ok(prod.freeFor(need) >= need, "room for the piece (freeFor re-reads tail when the cached one is short)");
        const next = prod.putPayload(bytes, off, chunk);
        equal(next, Math.min(off + chunk, bytes.length), "the piece fits");
        equal(published(prod), u32(prod.head), "a piece stores head: every byte written so far");
        return next;
      };

      // IN_RING payloads read and released: head lags behind tail.
      const first = frame(1001) + frame(40) + frame(2000);
      reader.pull();
      deepEqual(reader.got, want);
      equal(reader.availCalls, 0);
      deepEqual([published(prod), cons.tail], [base, (base + first) % TWO32]);
      equal(cons.available(), 0, "head behind tail: 0");
      // A stream's header seen before any of its payload: nothing is read.
      const s1 = header(5000);
      reader.pull();
      deepEqual([streamed(reader), reader.availCalls], [0, 1], "its header is taken, none of its payload");
      // Its first piece stores head at tail + 1000: the IN_RING bytes behind tail are counted in it.
      let off = piece(s1, 0, 1000);
      equal(published(prod), (base + first + 1000) % TWO32);
      equal(cons.available(), 1000);
      reader.pull();
      equal(streamed(reader), 1000);
      const step = guard("streaming the rest");
      while (off < s1.length) {
        step();
        off = prod.putPayload(s1, off, 1200); // as much as fits by the producer's cached tail
        equal(published(prod), u32(prod.head));
        reader.pull(896); // a partial reader
      }
      while (reader.cur !== null) reader.pull();
      deepEqual(reader.got, want);
      equal(u32(cons.tail), u32(prod.head));

      // IN_RING payloads left unread when a stream's first piece is published: the stream's bytes are those past them.
      const unread = frame(1001) + frame(INLINE_MAX) + frame(500);
      const s2 = header(3000);
      off = piece(s2, 0, 1000);
      equal(cons.available(), unread + 1000, "head covers the unread IN_RING payloads (and skips) and the piece");
      const after = reader.afterInRing;
      reader.pull(); // the IN_RING payloads (each past its skip), then available() - used = 1000 bytes of the stream
      equal(streamed(reader), 1000, "exactly the piece published, not what available() counts");
      equal(reader.afterInRing, after + 1);
      off = piece(s2, off, 1000);
      equal(cons.available(), 1000);
      reader.pull();
      equal(streamed(reader), 2000);
      off = piece(s2, off, 1000);
      // In one pull: the rest of s2, an IN_RING payload, an in-cell one, a whole stream, and an IN_RING payload
      // that no head covers.
      frame(700);
      frame(10);
      const s3 = header(300);
      piece(s3, 0, 4096);
      const last = frame(200);
      equal(published(prod), (prod.head - last) >>> 0, "the last IN_RING payload is not covered by head");
      reader.pull();
      equal(reader.cur, null);
      deepEqual(reader.got, want);
      equal(u32(cons.tail), u32(prod.head));
      equal(cons.available(), 0, `head ${last} bytes behind tail`);

      // IN_RING payloads unread and a stream's header with none of its payload published (head behind them).
      frame(1500);
      header(0); // a stream of no bytes is whole at once
      const s4 = header(800);
      reader.pull();
      deepEqual([reader.got.length, streamed(reader)], [want.length - 1, 0], "the stream's bytes are not read");
      off = piece(s4, 0, 400);
      equal(cons.available(), 400);
      reader.pull();
      equal(streamed(reader), 400);
      piece(s4, off, 400);
      reader.pull();
      equal(reader.cur, null);
      deepEqual(reader.got, want);
      deepEqual([cons.tail, published(prod), cons.available()], [prod.head, prod.head, 0]);
      equal(cons.nextHeader(), false);
      if (base !== 0) ok(reader.released > TWO32 - base, "the byte counters crossed the u32 wrap");
      equal(reader.skips, skips, "the reader skipped where the producer did");
      ok(skips > 0, "IN_RING payloads started the ring over");
    }
  },
);

Deno.test(RING + ": unreadFrames lists the frames left unread, whole and partial, without consuming them", () => {
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

Deno.test(
  RING + ": unreadFrames lists a full cell ring, and reports a published header of a 4 GiB payload as partial",
  () => {
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
  },
);

Deno.test(
  RING +
    ": unreadFrames counts IN_RING payloads whole, and their bytes and skips, before a partial STREAMED one, head lagging",
  () => {
    for (const base of [0, TWO32 - 3000]) {
      const { sab, layout, prod, cons } = pair(base);
      const list = () => unreadFrames(sab, layout, 0, 1);
      const frame = (len: number, tag: number) => ok(prod.putFrame(patterned(len, tag), tag, 0, 2));
      // Read and released: head lags behind tail.
      frame(1000, 1);
      takeFrame(cons, { bytes: patterned(1000, 1), tag: 1, context: 0, kind: 2 });
      equal(cons.available(), 0);
      // Unread: an IN_RING payload (no head stored) and a stream's header with none of its payload.
      frame(500, 2);
      const s3 = patterned(800, 3);
      prod.putHeader(800, 3, 0, 2);
      const f2 = { length: 500, tag: 2, context: 0, whole: true };
      deepEqual(list(), [f2, { length: 800, tag: 3, context: 0, whole: false }]);
      // 600 published: head covers the IN_RING payload's 504 bytes and 600 of the stream's.
      equal(prod.putPayload(s3, 0, 600), 600);
      equal(cons.available(), 1104);
      deepEqual(list(), [f2, { length: 800, tag: 3, context: 0, whole: false }]);
      equal(prod.putPayload(s3, 600, 4096), 800);
      const f3 = { length: 800, tag: 3, context: 0, whole: true };
      deepEqual(list(), [f2, f3]);
      // After the stream: IN_RING payloads no head covers, a stream of no bytes, all whole. From base 2^32 − 3000 the
      // first starts the ring over (696 bytes skipped), so that the partial stream after them is counted partial only
      // if those bytes are counted too.
      const skip4 = skipOf(prod.head & prod.mask, 1000);
      equal(skip4, base === 0 ? 0 : 696);
      frame(1000, 4);
      prod.putHeader(0, 5, 0, 2);
      frame(200, 6);
      const rest = [
        { length: 1000, tag: 4, context: 0, whole: true },
        { length: 0, tag: 5, context: 0, whole: true },
        { length: 200, tag: 6, context: 0, whole: true },
      ];
      deepEqual(list(), [f2, f3, ...rest]);
      // A stream after them with a piece published: head covers them all, and the stream is partial.
      prod.putHeader(400, 7, 0, 2);
      equal(prod.putPayload(patterned(400, 7), 0, 200), 200);
      const f7 = { length: 400, tag: 7, context: 0, whole: false };
      deepEqual(list(), [f2, f3, ...rest, f7]);
      // The consumer reads the IN_RING payload and the first stream: the list starts after them.
      takeFrame(cons, { bytes: patterned(500, 2), tag: 2, context: 0, kind: 2 });
      ok(cons.nextHeader());
      cons.takeCell();
      cons.release(800);
      deepEqual(list(), [...rest, f7]);
      // and the frames of 1000 and 0 bytes: the list counts from the tail on.
      equal(takeFrame(cons, { bytes: patterned(1000, 4), tag: 4, context: 0, kind: 2 }), skip4);
      ok(cons.nextHeader());
      cons.takeCell();
      deepEqual(list(), [rest[2], f7]);
      equal(prod.putPayload(patterned(400, 7), 200, 4096), 400);
      deepEqual(list(), [rest[2], { ...f7, whole: true }]);
    }
  },
);

Deno.test({
  // With only IN_RING payloads for 2^31 bytes, head falls more than 2^31 behind tail: putHeader stores head, so
  // `(head - tail) | 0` cannot turn positive and make a streamed payload look published.
  name: RING + ": a stream's header after 2^31 bytes of IN_RING payloads publishes none of its payload",
  fn() {
    const { sab, layout, prod, cons } = pair();
    const bytes = new Uint8Array(C);
    let sent = 0;
    while (sent <= 2 ** 31) {
      ok(prod.putFrame(bytes, 0, 0, 2));
      ok(cons.nextHeader());
      cons.takeCell();
      cons.release(C);
      sent += C;
    }
    ok(prod.hasCell());
    prod.putHeader(1000, 1, 0, 2);
    equal(cons.available(), 0, "none of the stream's payload is published");
    deepEqual(unreadFrames(sab, layout, 0, 1), [{ length: 1000, tag: 1, context: 0, whole: false }]);
    const reader = new Puller(cons);
    reader.pull();
    equal(streamed(reader), 0, "the consumer reads none of it");
  },
});

/** True where ring.ts releases a cell with a plain store (x86-64) instead of Atomics.store. */
const X86 = Deno.build.arch === "x86_64";

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

Deno.test(
  RING +
    ": a publish is the last store of what it publishes: a cell's mark after its cell and IN_RING payload, head after a piece",
  () => {
    const { sab, prod, cons, w } = pair();
    const markAt = (n: number) => w.byteOffset + cellOf(prod, n) * 4;
    const headAt = prod.headWord * 4;
    const data = (u8: Uint8Array) => u8.slice(prod.u8.byteOffset, prod.u8.byteOffset + C);
    // Per lap: an IN_RING payload that fits where it is (lap 0), starts the ring over (lap 1: 1008 bytes at 4008), or
    // wraps around its end (lap 2: 3608 bytes at 600); then a stream and the piece of it published at first.
    const laps = [
      { len: 1001, skip: 0, stream: 3000, first: 2000 },
      { len: 1001, skip: C - 4008, stream: 3688, first: 2000 },
      { len: 3601, skip: 0, stream: 3000, first: 400 },
    ];
    for (let lap = 0; lap < laps.length; lap++) {
      const { len, skip, stream, first } = laps[lap];
      const need = pad8(len);
      // In a cell: one store, its mark, after everything else.
      let n = prod.frames;
      let log = stores(sab, () => ok(prod.putFrame(patterned(INLINE_MAX, n), 1, 2, 3)));
      deepEqual(log.map((s) => [s.at, s.value]), [[markAt(n), n + 1]]);
      ok(onlyIn(sab, log[0].before, markAt(n), markAt(n) + 4), "the cell was written before its mark");
      n = prod.frames;
      log = stores(sab, () => ok(prod.putNumber(0.25, 1, 2, 20)));
      deepEqual(log.map((s) => [s.at, s.value]), [[markAt(n), n + 1]]);
      ok(onlyIn(sab, log[0].before, markAt(n), markAt(n) + 4));
      // Whole in the byte ring (IN_RING): its payload bytes and its cell, then the mark, the one store: head is not
      // stored. Nothing is written in the bytes it skips.
      n = prod.frames;
      const head0 = prod.head;
      const headWord0 = published(prod);
      equal(skipOf(head0 & prod.mask, need), skip);
      const pre = new Uint8Array(sab).slice();
      log = stores(sab, () => ok(prod.putFrame(patterned(len, n), 1, 2, 3)));
      deepEqual(log.map((s) => [s.at, s.value]), [[markAt(n), n + 1]]);
      deepEqual(data(log[0].before), data(new Uint8Array(sab)), "the payload was written before the mark");
      ok(onlyIn(sab, log[0].before, markAt(n), markAt(n) + 4), "the cell was written before the mark");
      const payloadAt = new Set(
        Array.from({ length: len }, (_, i) => prod.u8.byteOffset + ((head0 + skip + i) & prod.mask)),
      );
      const cell = (o: number) => o >= markAt(n) && o < markAt(n) + CELL_HEADER_BYTES;
      deepEqual(changed(sab, pre).filter((o) => !payloadAt.has(o) && !cell(o)), [], "only payload bytes and the cell");
      ok(changed(sab, pre).some((o) => payloadAt.has(o)), "the payload was written");
      equal(published(prod), headWord0, "the head word is as it was");
      equal(u32(prod.head), head0 + skip + need, "the producer's own head moved, past the bytes skipped");
      if (lap === 2) ok((head0 & prod.mask) + len > C, "the payload wrapped");
      // Streamed: the cell at once, then each piece's head after its bytes; that head covers the IN_RING bytes.
      n = prod.frames;
      const end = head0 + skip + need;
      log = stores(sab, () => prod.putHeader(stream, 1, 2, 3));
      deepEqual(log.map((s) => [s.at, s.value]), [[headAt, end], [markAt(n), n + 1]]);
      ok(onlyIn(sab, log[1].before, markAt(n), markAt(n) + 4), "head, then the cell, then the mark");
      log = stores(sab, () => equal(prod.putPayload(patterned(stream, n), 0, first), first));
      deepEqual(log.map((s) => [s.at, s.value]), [[headAt, end + first]]);
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
        const pre2 = new Uint8Array(sab).slice();
        log = stores(sab, () => {
          ok(cons.nextHeader());
          cons.inlineF64();
          cons.readBytes(0, dst, 0, 8);
          cons.takeCell();
        });
        // takeCell's store of taken, the only store: a plain one on x86-64 (ring.ts, X86), else Atomics.store.
        deepEqual(log.map((s) => [s.at, s.value]), X86 ? [] : [[cons.takenWord * 4, m + 1]]);
        equal(takenWord(cons), m + 1);
        ok(onlyIn(sab, pre2, cons.takenWord * 4, cons.takenWord * 4 + 4));
      }
      equal(cons.available(), skip + need + first, "head covers the IN_RING payload (and its skip) and the piece");
      log = stores(sab, () => cons.release(skip + need));
      deepEqual(log.map((s) => [s.at, s.value]), [[cons.tailWord * 4, cons.tail]]);
      equal(cons.available(), first, "once the IN_RING payload is released, the piece");
      for (let off = first, k = 0; off < stream; k++) {
        ok(k < 3);
        off = prod.putPayload(patterned(stream, n), off, 2000);
      }
      cons.release(stream);
    }
    equal(cons.available(), 0);
    equal(cons.nextHeader(), false);
  },
);

Deno.test(
  RING + ": passCell and passRing store nothing, flush stores them; the producer infers IN_RING bytes from taken",
  () => {
    const { sab, prod, cons } = pair();
    const tailWord = () => Atomics.load(cons.ctl, cons.tailWord) >>> 0;
    const words = () => [takenWord(cons), tailWord()];
    const log = (fn: () => void) => stores(sab, fn).map((s) => [s.at, s.value]);

    // Cells passed over are not room the producer sees until flush stores taken.
    for (let i = 0; i < 8; i++) ok(prod.putNumber(i, i, 0, 20));
    equal(prod.hasCell(), false, "all 8 cells used");
    for (let i = 0; i < 4; i++) {
      ok(cons.nextHeader());
      ok(Object.is(cons.inlineF64(), i));
      deepEqual(log(() => cons.passCell()), [], "passCell stores nothing");
    }
    deepEqual(words(), [0, 0], "nothing stored");
    equal(prod.hasCell(), false, "the producer does not see the cells passed");
    deepEqual(log(() => ok(cons.flush())), [[cons.takenWord * 4, 4]], "flush stores taken (tail did not move)");
    ok(prod.hasCell());
    deepEqual(log(() => equal(cons.flush(), false)), [], "nothing more to store");
    for (let i = 4; i < 8; i++) {
      ok(cons.nextHeader());
      cons.takeCell();
    }

    // IN_RING payloads passed with passRing: tail is not stored, yet once their cells are taken the producer counts
    // every byte before the last taken cell's payload end as free.
    const f = [0, 1, 2].map((i) => patterned(500, i)); // 504 bytes each in the ring
    f.forEach((b, i) => ok(prod.putFrame(b, i, 0, 2)));
    for (let i = 0; i < 3; i++) {
      ok(cons.nextHeader());
      equal(cons.hWhere, IN_RING);
      const got = new Uint8Array(500);
      cons.readBytes(0, got, 0, 500);
      deepEqual(got, f[i]);
      deepEqual(log(() => cons.passRing(504)), [], "passRing stores nothing");
      if (i < 2) {
        deepEqual(log(() => cons.takeCell()), X86 ? [] : [[cons.takenWord * 4, 9 + i]], "takeCell stores taken only");
        equal(takenWord(cons), 9 + i);
      }
    }
    equal(prod.freeFor(C), C - 504, "two cells taken: their payloads are free, the third's not yet");
    cons.takeCell();
    equal(prod.freeFor(C), C, "all three taken: all their bytes are free, tail never stored");
    deepEqual(words(), [11, 0]);
    equal(cons.available(), 0, "available() counts from the consumer's own tail");

    // A stream: its cell records where its payload starts, so taking the cell frees none of the payload.
    prod.putHeader(600, 6, 0, 2);
    equal(prod.putPayload(patterned(600, 6), 0, 4096), 600);
    ok(cons.nextHeader());
    deepEqual(fields(cons), [600, 6, 0, 2, 0, STREAMED]);
    equal(cons.available(), 600, "the stream's bytes only");
    const got = new Uint8Array(600);
    cons.readBytes(0, got, 0, 600);
    deepEqual(got, patterned(600, 6));
    cons.takeCell();
    equal(prod.freeFor(C), C - 600, "the stream's payload is not free until it is released");
    deepEqual(log(() => cons.release(600)), [[cons.tailWord * 4, 1512 + 600]], "release stores tail, passed bytes too");
    equal(prod.freeFor(C), C);
    deepEqual(log(() => equal(cons.flush(), false)), [], "nothing left to store");
    equal(cons.nextHeader(), false);
  },
);

Deno.test(RING + ": each ordered pair of a 3-rank job has its own cells and byte ring", () => {
  const layout = layoutFor(3, C, CELL_BYTES);
  const sab = createShm(layout);
  const pairs = [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]];
  for (const [s, d] of pairs) {
    const id = s * 3 + d;
    const i = ringIndex(3, s, d);
    const cells = cellsAt(layout, s, d);
    const data = layout.ringDataByte + i * C;
    const head = (layout.ringCtlWord + i * RING_CTL_STRIDE) * 4;
    const before = new Uint8Array(sab).slice();
    const r = new Ring(sab, layout, s, d, MEMCPY);
    ok(r.putFrame(patterned(50, id), id, s, d));
    ok(r.putFrame(patterned(300, id + 100), id + 100, s, d));
    equal(Atomics.load(r.ctl, r.headWord), 0, "an IN_RING payload stores no head");
    r.putHeader(200, id + 200, s, d);
    equal(r.putPayload(patterned(200, id + 200), 0, 4096), 200);
    equal(Atomics.load(r.ctl, r.headWord), 504, "a streamed piece stores head, covering the IN_RING payload");
    for (const o of changed(sab, before)) {
      const mine = (o >= cells && o < cells + 3 * CELL_BYTES) || (o >= data && o < data + 504) ||
        (o >= head && o < head + 4);
      ok(mine, `byte ${o} written by the ring ${s} → ${d}, outside its own cells, byte ring and head`);
    }
  }
  for (const [s, d] of pairs) {
    const id = s * 3 + d;
    deepEqual(unreadFrames(sab, layout, s, d), [
      { length: 50, tag: id, context: s, whole: true },
      { length: 300, tag: id + 100, context: s, whole: true },
      { length: 200, tag: id + 200, context: s, whole: true },
    ]);
    const r = new Ring(sab, layout, s, d, MEMCPY);
    takeFrame(r, { bytes: patterned(50, id), tag: id, context: s, kind: d });
    takeFrame(r, { bytes: patterned(300, id + 100), tag: id + 100, context: s, kind: d });
    ok(r.nextHeader());
    deepEqual(fields(r), [200, id + 200, s, d, 0, STREAMED]);
    r.takeCell();
    equal(r.available(), 200);
    const got = new Uint8Array(200);
    r.readBytes(0, got, 0, 200);
    r.release(200);
    deepEqual(got, patterned(200, id + 200));
    equal(r.nextHeader(), false);
  }
  // Filling one pair's cells leaves the others free.
  const full = new Ring(sab, layout, 2, 1);
  while (full.hasCell()) ok(full.putNumber(1, 0, 0, 20));
  for (const [s, d] of pairs) if (s !== 2 || d !== 1) ok(new Ring(sab, layout, s, d).hasCell(), `${s} → ${d}`);
});

Deno.test(RING + ": stale bytes cannot pass for a new frame", () => {
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
    deepEqual(fields(cons), [16, 99, 0, 2, 0, STREAMED]);
    cons.takeCell();
    equal(cons.available(), 0, "its payload is not yet there");
    equal(cons.nextHeader(), false);
    equal(prod.putPayload(future(prod.frames - 1, 16), 0, 64), 16);
    equal(cons.nextHeader(), false, "a payload of future marks is not a header");
    cons.release(16);
  }
  ok(prod.frames > 40 * 9, "many laps of the cells");
});

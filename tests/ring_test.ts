// transport/ring.ts on its own: a producer and a consumer view of the same
// ring (0 → 1) of a 2-rank job with the smallest ring (4 KiB), driven from
// one thread, so that frames wrap around the data area often.
import { deepEqual, equal, ok } from "node:assert/strict";
import { HEADER_BYTES, pad8, Ring, unreadFrames } from "../transport/ring.ts";
import { createShm, layoutFor, MIN_RING_BYTES, type ShmLayout } from "../transport/shm_layout.ts";
import { checkPattern, fillPattern, rng } from "./_util.ts";

const C = MIN_RING_BYTES;
const TWO32 = 4294967296;

interface Pair {
  sab: SharedArrayBuffer;
  layout: ShmLayout;
  prod: Ring;
  cons: Ring;
}

/** A fresh job; with `start`, the ring's head and tail both begin at that u32 count (as if that many bytes had passed). */
function pair(start = 0): Pair {
  const layout = layoutFor(2, MIN_RING_BYTES);
  const sab = createShm(layout);
  if (start !== 0) {
    const r = new Ring(sab, layout, 0, 1);
    Atomics.store(r.ctl, r.headWord, start | 0);
    Atomics.store(r.ctl, r.tailWord, start | 0);
  }
  return { sab, layout, prod: new Ring(sab, layout, 0, 1), cons: new Ring(sab, layout, 0, 1) };
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

/** A loop guard: fails the test, rather than spinning for ever, when a loop stops making progress. */
function guard(what: string, limit = 100_000): () => void {
  let n = 0;
  return () => {
    if (++n > limit) throw new Error(`no progress after ${limit} rounds: ${what}`);
  };
}

/** Consumer: reads the whole frame at the front of the ring, checks it, and releases it. */
function takeFrame(cons: Ring, want: { bytes: Uint8Array; tag: number; context: number; kind: number }): void {
  const need = HEADER_BYTES + pad8(want.bytes.length);
  ok(cons.available() >= need, `a whole frame of ${need} bytes is published (available ${cons.available()})`);
  cons.readHeader(0);
  deepEqual(
    [cons.hLength, cons.hTag, cons.hContext, cons.hKind],
    [want.bytes.length, want.tag, want.context, want.kind],
  );
  const got = new Uint8Array(want.bytes.length);
  cons.readBytes(HEADER_BYTES, got, 0, got.length);
  deepEqual(got, want.bytes);
  cons.release(need);
}

/** Producer and consumer: moves the ring's position to `p` (mod capacity) with filler frames read at once. */
function moveTo(prod: Ring, cons: Ring, p: number): void {
  const step = guard(`moving to ${p}`, 10);
  for (;;) {
    step();
    const d = (p - (prod.head & prod.mask) + C) % C;
    if (d === 0) return;
    const filler = new Uint8Array(d >= HEADER_BYTES ? d - HEADER_BYTES : 1000);
    ok(prod.putFrame(filler, -1, -1, 2));
    takeFrame(cons, { bytes: filler, tag: -1, context: -1, kind: 2 });
  }
}

Deno.test("ring: putFrame frames of every size 0..2100 wrap around the 4 KiB ring intact", () => {
  const { prod, cons } = pair();
  const starts = new Set<number>();
  for (let len = 0; len <= 2100; len++) {
    starts.add(prod.head & prod.mask);
    const bytes = patterned(len, len);
    ok(prod.putFrame(bytes, len, len * 3 - 7, 1 + len % 13), `frame of ${len} bytes fits an empty ring`);
    equal(cons.available(), HEADER_BYTES + pad8(len), "the frame and its padding are published at once");
    equal(published(prod) % 8, 0, "published positions are multiples of 8");
    takeFrame(cons, { bytes, tag: len, context: len * 3 - 7, kind: 1 + len % 13 });
    equal(cons.available(), 0);
  }
  // Every 8-aligned position started a frame, including 4080 and 4088 where the header straddles the end.
  equal(starts.size, C / 8);
});

Deno.test("ring: a header straddling the end of the data area is laid out across it word by word", () => {
  const { prod, cons } = pair();
  for (const at of [4080, 4088]) {
    moveTo(prod, cons, at);
    const bytes = patterned(13, at);
    ok(prod.putFrame(bytes, 77, 5, 9));
    const w = (byte: number) => cons.i32[((at + byte) & cons.mask) >> 2];
    deepEqual([w(0), w(4), w(8), w(12), w(16)], [13, 0, 77, 5, 9], "length lo, length hi, tag, context, kind");
    const payloadAt = (at + HEADER_BYTES) & cons.mask;
    deepEqual(cons.u8.slice(payloadAt, payloadAt + 13), bytes, "the payload follows the header at the start");
    takeFrame(cons, { bytes, tag: 77, context: 5, kind: 9 });
  }
});

Deno.test("ring: payloads of short and long copies straddle the end of the data area intact", () => {
  const { prod, cons } = pair();
  let id = 0;
  for (let at = 3896; at < C; at += 8) {
    for (const len of [1, 7, 40, 64, 65, 200, 1001]) {
      moveTo(prod, cons, at);
      const bytes = patterned(len, ++id);
      ok(prod.putFrame(bytes, id, 0, 2));
      takeFrame(cons, { bytes, tag: id, context: 0, kind: 2 });
    }
  }
});

Deno.test("ring: putNumber carries one float64 (-0 and NaN included), also across the end", () => {
  const { prod, cons } = pair();
  const values = [0, -0, NaN, Infinity, -Infinity, 1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, -1e300];
  for (const at of [0, 4064, 4072, 4080, 4088]) {
    for (const x of values) {
      moveTo(prod, cons, at);
      ok(prod.putNumber(x, 4, 6, 20));
      equal(cons.available(), HEADER_BYTES + 8);
      cons.readHeader(0);
      deepEqual([cons.hLength, cons.hTag, cons.hContext, cons.hKind], [8, 4, 6, 20]);
      ok(Object.is(cons.readF64(HEADER_BYTES), x), `${x} at ${at}`);
      const raw = new Uint8Array(8);
      cons.readBytes(HEADER_BYTES, raw, 0, 8);
      deepEqual(raw, new Uint8Array(new Float64Array([x]).buffer));
      cons.release(HEADER_BYTES + 8);
    }
  }
});

Deno.test("ring: putFrame and putNumber refuse a frame that does not fit, writing nothing; it fits after release", () => {
  const { prod, cons } = pair();
  // Larger than the ring can ever hold: refused even when empty.
  equal(prod.putFrame(new Uint8Array(C - HEADER_BYTES + 1), 0, 0, 2), false);
  equal(prod.putFrame(new Uint8Array(5000), 0, 0, 2), false);
  equal(cons.available(), 0);
  // Four frames of 1024 bytes fill the ring exactly.
  const frames = [0, 1, 2, 3].map((i) => patterned(1000, 100 + i));
  frames.forEach((f, i) => ok(prod.putFrame(f, i, 0, 2), `frame ${i} fits`));
  equal(cons.available(), C);
  equal(prod.freeFor(1), 0);
  const data = cons.u8.slice();
  const head = prod.head;
  const word = published(prod);
  equal(prod.putFrame(new Uint8Array(0), 9, 0, 2), false);
  equal(prod.putFrame(patterned(1000, 9), 9, 0, 2), false);
  equal(prod.putNumber(1.5, 9, 0, 20), false);
  deepEqual(cons.u8, data, "a refused frame writes no byte");
  equal(prod.head, head);
  equal(published(prod), word);
  equal(cons.available(), C);
  // The consumer frees one frame: exactly 1024 bytes fit again, not one byte more.
  takeFrame(cons, { bytes: frames[0], tag: 0, context: 0, kind: 2 });
  equal(prod.putFrame(new Uint8Array(1001), 9, 0, 2), false);
  const next = patterned(1000, 104);
  ok(prod.putFrame(next, 4, 0, 2));
  equal(prod.putNumber(2.5, 9, 0, 20), false);
  for (let i = 1; i < 4; i++) takeFrame(cons, { bytes: frames[i], tag: i, context: 0, kind: 2 });
  takeFrame(cons, { bytes: next, tag: 4, context: 0, kind: 2 });
  // An empty ring takes a frame that fills it exactly.
  const full = patterned(C - HEADER_BYTES, 5);
  ok(prod.putFrame(full, 5, 0, 2));
  equal(cons.available(), C);
  takeFrame(cons, { bytes: full, tag: 5, context: 0, kind: 2 });
});

Deno.test("ring: freeFor re-reads the consumer's tail only when its cached value is too small", () => {
  const { prod, cons } = pair();
  for (let i = 0; i < 3; i++) ok(prod.putFrame(new Uint8Array(1000), i, 0, 2));
  equal(prod.freeFor(1), 1024);
  cons.release(1024);
  equal(prod.freeFor(1024), 1024, "enough by the cached tail: not re-read");
  equal(prod.freeFor(1025), 2048, "too little by the cached tail: re-read");
  equal(prod.tail, 1024);
});

Deno.test("ring: a 64-bit payload length survives the header", () => {
  const { prod, cons } = pair();
  for (const len of [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 123, Number.MAX_SAFE_INTEGER]) {
    ok(prod.freeFor(HEADER_BYTES) >= HEADER_BYTES);
    prod.putHeader(len, 1, 2, 3);
    prod.publish();
    equal(cons.available(), HEADER_BYTES);
    cons.readHeader(0);
    deepEqual([cons.hLength, cons.hTag, cons.hContext, cons.hKind], [len, 1, 2, 3]);
    cons.release(HEADER_BYTES);
  }
});

Deno.test("ring: pad8 rounds up to a multiple of 8", () => {
  deepEqual([0, 1, 7, 8, 9, 15, 16, 1001, 2 ** 31 - 8].map(pad8), [0, 8, 8, 8, 16, 16, 16, 1008, 2 ** 31 - 8]);
});

/**
 * Streams `bytes` as one frame with putHeader + putPayload while the consumer reads and releases (after every
 * piece when `eager`, else only when the ring is full); returns how often the producer found the ring full.
 */
function stream(prod: Ring, cons: Ring, bytes: Uint8Array, chunk: number, tag: number, eager: boolean): number {
  const got = new Uint8Array(bytes.length);
  let headerRead = false;
  let received = 0; // payload bytes (with padding) consumed
  let stalls = 0;
  const drain = () => {
    const avail = cons.available();
    let used = 0;
    if (!headerRead && avail >= HEADER_BYTES) {
      cons.readHeader(0);
      deepEqual([cons.hLength, cons.hTag, cons.hContext, cons.hKind], [bytes.length, tag, 7, 2]);
      headerRead = true;
      used = HEADER_BYTES;
    }
    const n = Math.min(avail - used, pad8(bytes.length) - received);
    if (headerRead && n > 0) {
      const copy = Math.min(n, bytes.length - received);
      if (copy > 0) cons.readBytes(used, got, received, copy);
      received += n;
      used += n;
    }
    cons.release(used);
  };
  ok(prod.freeFor(HEADER_BYTES) >= HEADER_BYTES);
  const before = cons.available();
  prod.putHeader(bytes.length, tag, 7, 2);
  equal(cons.available(), before, "putHeader publishes nothing");
  let off = 0;
  const step = guard("streaming");
  while (off < bytes.length) {
    step();
    const avail = cons.available();
    const next = prod.putPayload(bytes, off, chunk);
    if (next === off) {
      ok(prod.freeFor(8) < 8, "putPayload moves nothing only when the ring is full");
      equal(cons.available(), avail, "and publishes nothing");
      stalls++;
      drain();
      continue;
    }
    const piece = next - off;
    ok(piece <= chunk, `a piece of ${piece} bytes is at most the chunk of ${chunk}`);
    equal(published(prod) % 8, 0, "every piece ends 8-aligned");
    const grew = cons.available() - avail;
    equal(grew, (off === 0 ? HEADER_BYTES : 0) + pad8(piece), "the piece is published (the header with the first)");
    off = next;
    if (eager) drain();
  }
  equal(prod.putPayload(bytes, off, chunk), off, "nothing left: nothing moves");
  if (bytes.length === 0) prod.publish();
  while (!headerRead || received < pad8(bytes.length)) {
    step();
    drain();
  }
  equal(checkPattern(got, tag), -1, "the streamed payload arrives intact");
  return stalls;
}

Deno.test("ring: a payload larger than the ring streams through putPayload in pieces", () => {
  const { prod, cons } = pair();
  const runs = [[100_003, 65536], [100_003, 1000], [20_001, 8], [4097, 4096], [0, 64], [5, 64]];
  for (const [len, chunk] of runs) {
    for (const eager of [false, true]) {
      const stalls = stream(prod, cons, patterned(len, len), chunk, len, eager);
      if (len > C && !eager) ok(stalls > 0, "the producer waited for the consumer");
      // The next frame starts where the padded payload ended.
      const after = patterned(33, 1);
      ok(prod.putFrame(after, 1, 2, 3));
      takeFrame(cons, { bytes: after, tag: 1, context: 2, kind: 3 });
      equal(cons.available(), 0);
    }
  }
});

Deno.test("ring: head and tail wrap around 2^32 (u32 counters), framing and free space stay right", () => {
  const start = TWO32 - C; // 2^32 is a multiple of the capacity: the u32 wrap is also a data-area wrap
  const { prod, cons } = pair(start);
  equal(prod.head, start);
  equal(cons.tail, start);
  equal(cons.available(), 0);
  equal(prod.freeFor(1), C);
  // A header straddling both the u32 wrap and the end of the data area.
  moveTo(prod, cons, C - 8);
  ok(prod.head > TWO32 - C, "still before the u32 wrap");
  const bytes = patterned(300, 3);
  ok(prod.putFrame(bytes, 3, 1, 2));
  ok(prod.head < C, "the head counter wrapped past 2^32");
  equal(cons.available(), HEADER_BYTES + 304);
  equal(prod.freeFor(1), C - HEADER_BYTES - 304);
  takeFrame(cons, { bytes, tag: 3, context: 1, kind: 2 });
  ok(cons.tail < C, "the tail counter wrapped past 2^32");
  equal(cons.available(), 0);
  // Streaming across the wrap as well.
  const p = pair(TWO32 - 1000);
  stream(p.prod, p.cons, patterned(10_000, 11), 512, 11, true);
  equal(p.cons.available(), 0);
  equal(published(p.prod), (TWO32 - 1000 + HEADER_BYTES + 10_000) % TWO32);
});

Deno.test("ring: random interleavings of frames, numbers and streams against a partial reader (also across 2^32)", () => {
  for (const start of [0, TWO32 - 24_000]) {
    const { prod, cons } = pair(start);
    const rand = rng(start + 17);
    const sent: { bytes: Uint8Array; tag: number; context: number; kind: number }[] = [];
    const got: { bytes: Uint8Array; tag: number; context: number; kind: number }[] = [];
    let cur: { bytes: Uint8Array; tag: number; context: number; kind: number; received: number } | null = null;
    let moved = 0;
    // The consumer reads up to `limit` bytes (whole headers only) and releases what it read, as the inbox does.
    const pull = (limit: number) => {
      const avail = cons.available();
      ok(avail <= C && avail % 8 === 0, `available ${avail}`);
      const take = Math.min(avail, limit);
      let used = 0;
      while (used < take) {
        if (cur === null) {
          if (take - used < HEADER_BYTES) break;
          cons.readHeader(used);
          cur = {
            bytes: new Uint8Array(cons.hLength),
            tag: cons.hTag,
            context: cons.hContext,
            kind: cons.hKind,
            received: 0,
          };
          used += HEADER_BYTES;
        }
        const n = Math.min(pad8(cur.bytes.length) - cur.received, take - used);
        const copy = Math.min(n, cur.bytes.length - cur.received);
        if (copy > 0) cons.readBytes(used, cur.bytes, cur.received, copy);
        cur.received += n;
        used += n;
        if (cur.received < pad8(cur.bytes.length)) break;
        got.push({ bytes: cur.bytes, tag: cur.tag, context: cur.context, kind: cur.kind });
        cur = null;
      }
      cons.release(used);
      moved += used;
    };
    const randomPull = () => pull(8 * Math.floor(rand() * (C / 8 + 1)));
    const step = guard("the random run", 1_000_000);
    for (let i = 0; i < 600; i++) {
      const op = rand();
      if (op < 0.5) {
        const bytes = patterned(Math.floor(rand() * 1500), i);
        while (!prod.putFrame(bytes, i, i & 15, 2)) {
          step();
          randomPull();
        }
        sent.push({ bytes, tag: i, context: i & 15, kind: 2 });
      } else if (op < 0.7) {
        const x = rand() * 1e6 - 5e5;
        while (!prod.putNumber(x, i, 1, 20)) {
          step();
          randomPull();
        }
        sent.push({ bytes: new Uint8Array(new Float64Array([x]).buffer), tag: i, context: 1, kind: 20 });
      } else {
        const bytes = patterned(Math.floor(rand() * 9000), i);
        const chunk = [8, 64, 520, 4096, 65536][Math.floor(rand() * 5)];
        while (prod.freeFor(HEADER_BYTES) < HEADER_BYTES) {
          step();
          randomPull();
        }
        prod.putHeader(bytes.length, i, 2, 5);
        let off = 0;
        while (off < bytes.length) {
          step();
          const next = prod.putPayload(bytes, off, chunk);
          if (next === off) randomPull();
          off = next;
        }
        prod.publish();
        sent.push({ bytes, tag: i, context: 2, kind: 5 });
      }
      ok(((prod.head - cons.tail) >>> 0) <= C, "never more than the capacity unread");
      if (rand() < 0.3) randomPull();
    }
    while (got.length < sent.length) {
      step();
      pull(C);
    }
    equal(cons.available(), 0);
    equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) deepEqual(got[i], sent[i], `frame ${i} (start ${start})`);
    equal(cons.tail, (start + moved) % TWO32);
    if (start !== 0) ok(moved > TWO32 - start, "the run crossed the u32 wrap");
  }
});

Deno.test("ring: unreadFrames lists the frames left unread, whole and partial, without consuming them", () => {
  for (const start of [0, TWO32 - 40]) {
    const { sab, layout, prod, cons } = pair(start);
    deepEqual(unreadFrames(sab, layout, 0, 1), []);
    const first = patterned(10, 1);
    ok(prod.putFrame(first, 1, 0, 2));
    ok(prod.putNumber(Math.PI, 2, 3, 20));
    ok(prod.putFrame(new Uint8Array(0), 3, 4, 22));
    ok(prod.putFrame(patterned(1001, 4), 4, -5, 2));
    takeFrame(cons, { bytes: first, tag: 1, context: 0, kind: 2 });
    const whole = [
      { length: 8, tag: 2, context: 3, whole: true },
      { length: 0, tag: 3, context: 4, whole: true },
      { length: 1001, tag: 4, context: -5, whole: true },
    ];
    deepEqual(unreadFrames(sab, layout, 0, 1), whole);
    // A header written but not yet published is not there.
    prod.putHeader(10_000, 9, 2, 2);
    deepEqual(unreadFrames(sab, layout, 0, 1), whole);
    // A stream stopped when the ring filled: its frame is there, partial.
    const big = patterned(10_000, 9);
    let off = 0;
    for (let next = prod.putPayload(big, off, 65536); next !== off; next = prod.putPayload(big, off, 65536)) off = next;
    ok(off > 0 && off < big.length);
    const all = [...whole, { length: 10_000, tag: 9, context: 2, whole: false }];
    deepEqual(unreadFrames(sab, layout, 0, 1), all);
    deepEqual(unreadFrames(sab, layout, 0, 1), all, "listing consumes nothing");
    equal(cons.available(), C);
    deepEqual(unreadFrames(sab, layout, 1, 0), [], "the other direction is another ring");
  }
});

Deno.test("ring: each ordered pair of a 3-rank job has its own ring", () => {
  const layout = layoutFor(3, MIN_RING_BYTES);
  const sab = createShm(layout);
  const pairs = [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]];
  for (const [s, d] of pairs) ok(new Ring(sab, layout, s, d).putFrame(patterned(100, s * 3 + d), s * 3 + d, s, d));
  for (const [s, d] of pairs) {
    deepEqual(unreadFrames(sab, layout, s, d), [{ length: 100, tag: s * 3 + d, context: s, whole: true }]);
    takeFrame(new Ring(sab, layout, s, d), { bytes: patterned(100, s * 3 + d), tag: s * 3 + d, context: s, kind: d });
  }
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

Deno.test("ring: unreadFrames reports a published header of a 4 GiB payload as partial", () => {
  const layout = layoutFor(2, MIN_RING_BYTES);
  const sab = createShm(layout);
  const prod = new Ring(sab, layout, 0, 1);
  prod.putHeader(2 ** 32 - 1, 1, 2, 3);
  prod.publish();
  deepEqual(unreadFrames(sab, layout, 0, 1), [{ length: 2 ** 32 - 1, tag: 1, context: 2, whole: false }]);
});

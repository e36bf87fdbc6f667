// transport/ring.ts's lazy release (passCell/passRing/flush) against the producer's inference from `taken`
// (freeFor: every byte before `#ends[taken − 1]` is free), driven from one thread: a consumer that mixes
// direct takes (inbox.ts `direct`: read, passRing or release, takeCell) with general pulls (inbox.ts `#pull`:
// passCell, IN_RING at `used`, streamed pieces, release(used) and flush at the end), and a producer of
// in-cell frames, numbers, IN_RING frames, streams larger than the byte ring and rendezvous headers, with
// the u32 counters starting just below 2^32. After every producer step the bytes it has written never run
// more than the capacity ahead of the bytes the consumer has actually read, and every payload arrives intact.
// An IN_RING payload that would wrap starts at position 0 instead when it fits before its position (ring.ts
// skipFor): the bytes it skips count as written by the producer and as read once the consumer passes them
// (`skipAt`), and the sizes are such that payloads both skip and, too large to skip, wrap.
import { deepEqual, equal, ok } from "node:assert/strict";
import { CELL_HEADER_BYTES, IN_CELL, IN_RING, pad8, Ring, STREAMED } from "../transport/ring.ts";
import { createShm, layoutFor, MIN_RING_BYTES, ringIndex } from "../transport/shm_layout.ts";
import { fillPattern, rng } from "./_util.ts";

const C = MIN_RING_BYTES;
const TWO32 = 4294967296;
/** A ring counter (int32, wrapping at 2^32) as the u32 it stands for. */
const u32 = (x: number): number => x >>> 0;
/** 128-byte cells (payloads up to 96 bytes in the cell), the size these tests were written for (ring_test.ts). */
const CELL_BYTES = 128;
const INLINE_MAX = CELL_BYTES - CELL_HEADER_BYTES;
const CELL_WORDS = CELL_BYTES >> 2;

interface Frame {
  length: number;
  tag: number;
  where: number;
  rdv: number;
  bytes: Uint8Array | null;
}

function patterned(n: number, id: number): Uint8Array {
  const u8 = new Uint8Array(n);
  fillPattern(u8, id);
  return u8;
}

/** The bytes an IN_RING payload of `need` (padded) bytes at ring position `pos` skips (the rule of ring.ts skipFor). */
function skipOf(pos: number, need: number): number {
  return pos + need > C && need <= pos ? C - pos : 0;
}

/** Producer and consumer views of ring 0 → 1 whose byte counters start at `bytes` and frame counter at `frames`. */
function pair(bytes: number, frames: number): { prod: Ring; cons: Ring } {
  const layout = layoutFor(2, C, CELL_BYTES);
  const sab = createShm(layout);
  const w = new Int32Array(
    sab,
    layout.cellByte + ringIndex(layout.size, 0, 1) * layout.cells * CELL_BYTES,
    layout.cells * CELL_WORDS,
  );
  const r = new Ring(sab, layout, 0, 1);
  Atomics.store(r.ctl, r.headWord, bytes | 0);
  Atomics.store(r.ctl, r.tailWord, bytes | 0);
  Atomics.store(r.ctl, r.takenWord, frames | 0);
  for (let k = 1; k <= layout.cells; k++) {
    const n = (frames - k) >>> 0;
    w[(n & (layout.cells - 1)) * CELL_WORDS] = (n + 1) | 0;
  }
  return { prod: new Ring(sab, layout, 0, 1), cons: new Ring(sab, layout, 0, 1) };
}

for (const [bytes0, frames0, seed] of [[0, 0, 1], [TWO32 - 9_000, TWO32 - 37, 2], [TWO32 - 104, TWO32 - 3, 3]]) {
  Deno.test(`ring: lazy release mixed with direct takes never lets the producer reuse unread bytes (start ${bytes0}, ${frames0})`, () => {
    const { prod, cons } = pair(bytes0, frames0);
    const rand = rng(seed);
    const sent: Frame[] = [];
    const got: Frame[] = [];
    let written = bytes0; // producer: bytes written into the byte ring (unwrapped)
    let read = bytes0; // consumer: bytes actually read (unwrapped)
    let cur: { f: Frame; received: number } | null = null;
    let directs = 0;
    let pulls = 0;
    let inferred = 0;
    let skips = 0; // IN_RING payloads the producer started at 0 (by the model)
    let wraps = 0; // IN_RING payloads the producer wrapped around the end (by the model)
    let passedSkips = 0; // skips the consumer passed (by skipAt)

    const header = (): Frame => ({
      length: cons.hLength,
      tag: cons.hTag,
      where: cons.hWhere,
      rdv: cons.hRdv,
      bytes: cons.hRdv !== 0 ? null : new Uint8Array(cons.hLength),
    });
    // inbox.ts direct(): one frame at the head if it can be taken whole; else, when nothing is there, flush.
    const direct = (): void => {
      if (cur !== null) return;
      if (!cons.nextHeader()) {
        cons.flush();
        return;
      }
      if (cons.hRdv !== 0) return;
      const f = header();
      if (f.where === IN_CELL) cons.readInline(f.bytes!, 0, f.length);
      else if (f.where === IN_RING) {
        const padded = pad8(f.length);
        const skip = cons.skipAt(0, f.length);
        if (skip > 0) passedSkips++;
        cons.readBytes(skip, f.bytes!, 0, f.length);
        read += skip + padded;
        cons.passRing(skip + padded);
      } else {
        const padded = pad8(f.length);
        if (cons.available() < padded) return;
        cons.readBytes(0, f.bytes!, 0, f.length);
        read += padded;
        cons.release(padded);
      }
      cons.takeCell();
      got.push(f);
      directs++;
    };
    // inbox.ts #pull(), with a cap on the frames and streamed bytes it takes.
    const pull = (frameLimit: number, byteLimit: number): void => {
      pulls++;
      let avail = -1;
      let used = 0;
      let headers = 0;
      for (;;) {
        if (cur === null) {
          if (headers >= frameLimit || !cons.nextHeader()) break;
          headers++;
          const f = header();
          if (f.bytes === null) {
            cons.passCell();
            got.push(f);
            continue;
          }
          if (f.where === IN_CELL) cons.readInline(f.bytes, 0, f.length);
          else if (f.where === IN_RING) {
            const skip = cons.skipAt(used, f.length);
            if (skip > 0) passedSkips++;
            used += skip;
            cons.readBytes(used, f.bytes, 0, f.length);
            used += pad8(f.length);
            read += skip + pad8(f.length);
          }
          cons.passCell();
          if (f.where !== STREAMED) {
            got.push(f);
            continue;
          }
          cur = { f, received: 0 };
          avail = -1;
        }
        if (avail < 0) avail = cons.available();
        const padded = pad8(cur.f.length);
        const n = Math.min(padded - cur.received, avail - used, byteLimit);
        if (n > 0) {
          const copy = Math.min(n, cur.f.length - cur.received);
          if (copy > 0) cons.readBytes(used, cur.f.bytes!, cur.received, copy);
          cur.received += n;
          used += n;
          read += n;
        }
        if (cur.received !== padded) break;
        got.push(cur.f);
        cur = null;
      }
      if (used > 0) cons.release(used);
      cons.flush();
    };
    const consume = (): void => {
      const x = rand();
      if (x < 0.6) {
        for (let k = Math.floor(rand() * 4); k >= 0; k--) direct();
      } else pull(Math.floor(rand() * 6), 8 * Math.floor(rand() * (C / 8 + 1)));
    };
    let steps = 0;
    const step = (): void => {
      ok(++steps < 2_000_000, "the run makes progress");
      consume();
    };
    const safe = (what: string): void => {
      ok(written - read <= C, `${what}: the producer wrote ${written - read} bytes past what was read (capacity ${C})`);
    };
    const tailWord = () => Atomics.load(cons.ctl, cons.tailWord) >>> 0;

    for (let i = 0; i < 3000; i++) {
      const op = rand();
      if (op < 0.45) {
        const len = rand() < 0.3
          ? Math.floor(rand() * (INLINE_MAX + 1))
          : INLINE_MAX + 1 + Math.floor(rand() * (C - 96));
        const bytes = patterned(len, i);
        sent.push({ length: len, tag: i, where: len <= INLINE_MAX ? IN_CELL : IN_RING, rdv: 0, bytes });
        const pos = written % C;
        const skip = len > INLINE_MAX ? skipOf(pos, pad8(len)) : 0;
        for (;;) {
          const stale = ((prod.head - tailWord()) >>> 0) + skip + pad8(len) > C;
          if (prod.putFrame(bytes, i, 1, 2)) {
            if (len > INLINE_MAX && stale) inferred++;
            break;
          }
          step();
        }
        if (len > INLINE_MAX) {
          if (skip > 0) skips++;
          else if (pos + pad8(len) > C) wraps++;
          written += skip + pad8(len);
        }
        equal(
          u32(prod.head),
          written % TWO32,
          `frame ${i}: the producer's head counts the bytes skipped and the payload`,
        );
        safe(`frame ${i}`);
      } else if (op < 0.55) {
        const x = i + 0.5;
        sent.push({ length: 8, tag: i, where: IN_CELL, rdv: 0, bytes: new Uint8Array(new Float64Array([x]).buffer) });
        while (!prod.putNumber(x, i, 1, 20)) step();
      } else if (op < 0.9) {
        const len = Math.floor(rand() * (rand() < 0.3 ? 200 : 3 * C));
        const bytes = patterned(len, i);
        sent.push({ length: len, tag: i, where: STREAMED, rdv: 0, bytes });
        while (!prod.hasCell()) step();
        prod.putHeader(len, i, 1, 2);
        let off = 0;
        while (off < len) {
          const next = prod.putPayload(bytes, off, [8, 512, 4096][Math.floor(rand() * 3)]);
          if (next !== off) {
            written += next === len ? pad8(len) - off : next - off;
            safe(`stream ${i} at ${next}`);
          }
          if (next === off || rand() < 0.2) step();
          off = next;
        }
      } else {
        sent.push({ length: 1 << 20, tag: i, where: STREAMED, rdv: 7, bytes: null });
        while (!prod.hasCell()) step();
        prod.putHeader(1 << 20, i, 1, 2, 7);
      }
      if (rand() < 0.3) step();
    }
    while (got.length < sent.length) {
      ok(++steps < 3_000_000, "the run drains");
      pull(100, C);
    }
    equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) deepEqual(got[i], sent[i], `frame ${i}`);
    equal(read, written, "every byte written was read");
    equal(u32(cons.tail), written % TWO32);
    ok(directs > 500 && pulls > 500, `both kinds of take ran (${directs} direct, ${pulls} pulls)`);
    ok(inferred > 50, `IN_RING frames placed on the strength of taken alone (${inferred})`);
    equal(passedSkips, skips, "the consumer skipped where the producer did");
    ok(skips > 100, `IN_RING payloads started the ring over (${skips})`);
    ok(wraps > 100, `IN_RING payloads too large to start it over wrapped (${wraps})`);
  });
}

/**
 * A single-producer single-consumer byte ring in shared memory, and the
 * framing of a message inside it.
 *
 * ## Protocol
 * - The data area has a power-of-two capacity C. `head` counts every byte
 *   the producer has ever published and `tail` every byte the consumer has
 *   ever released, both as u32 that wrap; `head − tail` (mod 2³²) is the
 *   number of unread bytes and never exceeds C.
 * - Only the producer stores `head`; only the consumer stores `tail`. Each
 *   lives in its own cache line. The producer writes bytes first and then
 *   publishes them with `Atomics.store(head)`; the consumer reads `head`
 *   with `Atomics.load` before it reads the bytes, and releases them with
 *   `Atomics.store(tail)` after it has copied them out. Atomics are
 *   sequentially consistent in JavaScript, so these pairs order the plain
 *   data accesses.
 * - Every position the producer publishes is a multiple of 8.
 *
 * ## Framing
 * A message is a 24-byte header followed by its payload padded to 8 bytes:
 *
 * ```text
 * word 0  length, low 32 bits      word 3  context id (communicator)
 * word 1  length, high bits        word 4  kind (codec.ts)
 * word 2  tag                      word 5  sequence number on this ring
 * ```
 *
 * The producer publishes the header whole (it waits for 24 free bytes), and
 * the payload in chunks as space frees up, so a message may be far larger
 * than the ring: it streams through.
 *
 * @module
 */

import { RING_CTL_STRIDE, RING_TAIL, ringIndex, type ShmLayout } from "./shm_layout.ts";

/** Bytes of a frame header. */
export const HEADER_BYTES = 24;

/** Rounds up to a multiple of 8. */
export function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** One ring, seen from the producer or the consumer side. */
export class Ring {
  /** All control words of the job. */
  readonly ctl: Int32Array;
  /** Word index of `head`. */
  readonly headWord: number;
  /** Word index of `tail`. */
  readonly tailWord: number;
  /** The data area as bytes. */
  readonly u8: Uint8Array;
  /** The data area as int32 words. */
  readonly i32: Int32Array;
  /** The data area as float64 words. */
  readonly f64: Float64Array;
  /** Capacity in bytes. */
  readonly capacity: number;
  /** capacity − 1. */
  readonly mask: number;
  /** Producer: bytes written (published or not), as u32. */
  head = 0;
  /** Producer: last `tail` seen. Consumer: bytes released, as u32. */
  tail = 0;
  /** Producer: sequence number of the next message. */
  seq = 0;

  /** Views the ring for the ordered pair (src → dst). */
  constructor(
    sab: SharedArrayBuffer,
    layout: ShmLayout,
    src: number,
    dst: number,
  ) {
    const i = ringIndex(layout.size, src, dst);
    this.ctl = new Int32Array(sab, 0, layout.ringDataByte >> 2);
    this.headWord = layout.ringCtlWord + i * RING_CTL_STRIDE;
    this.tailWord = this.headWord + RING_TAIL;
    const off = layout.ringDataByte + i * layout.ringBytes;
    this.capacity = layout.ringBytes;
    this.mask = layout.ringBytes - 1;
    this.u8 = new Uint8Array(sab, off, this.capacity);
    this.i32 = new Int32Array(sab, off, this.capacity >> 2);
    this.f64 = new Float64Array(sab, off, this.capacity >> 3);
    this.head = Atomics.load(this.ctl, this.headWord) >>> 0;
    this.tail = Atomics.load(this.ctl, this.tailWord) >>> 0;
  }

  // ---- producer side -------------------------------------------------------

  /** Producer: free bytes, re-reading `tail` only when the cached value says the ring is too full. */
  freeFor(need: number): number {
    let free = this.capacity - ((this.head - this.tail) >>> 0);
    if (free < need) {
      this.tail = Atomics.load(this.ctl, this.tailWord) >>> 0;
      free = this.capacity - ((this.head - this.tail) >>> 0);
    }
    return free;
  }

  /** Producer: writes a frame header at `head` (caller checked 24 free bytes). */
  writeHeader(
    length: number,
    tag: number,
    context: number,
    kind: number,
  ): void {
    const w = this.i32;
    const m = this.mask >> 2;
    const p = this.head >>> 2;
    w[p & m] = length >>> 0;
    w[(p + 1) & m] = Math.floor(length / 4294967296);
    w[(p + 2) & m] = tag;
    w[(p + 3) & m] = context;
    w[(p + 4) & m] = kind;
    w[(p + 5) & m] = this.seq++;
    this.head = (this.head + HEADER_BYTES) >>> 0;
  }

  /** Producer: copies `n` bytes of `src` from `from` at `head`, wrapping. */
  writeBytes(src: Uint8Array, from: number, n: number): void {
    const pos = this.head & this.mask;
    const first = this.capacity - pos;
    if (n <= 64) {
      const u8 = this.u8;
      const mask = this.mask;
      for (let i = 0; i < n; i++) u8[(pos + i) & mask] = src[from + i];
    } else if (n <= first) {
      this.u8.set(src.subarray(from, from + n), pos);
    } else {
      this.u8.set(src.subarray(from, from + first), pos);
      this.u8.set(src.subarray(from + first, from + n), 0);
    }
    this.head = (this.head + n) >>> 0;
  }

  /** Producer: writes one float64 at `head` (head is 8-aligned). */
  writeF64(x: number): void {
    this.f64[(this.head & this.mask) >>> 3] = x;
    this.head = (this.head + 8) >>> 0;
  }

  /** Producer: rounds `head` up to a multiple of 8 (the pad bytes are not written). */
  alignHead(): void {
    this.head = pad8(this.head) >>> 0;
  }

  /** Producer: makes everything written so far visible to the consumer. */
  publish(): void {
    Atomics.store(this.ctl, this.headWord, this.head | 0);
  }

  // ---- consumer side -------------------------------------------------------

  /** Consumer: published bytes not yet released. */
  available(): number {
    return (Atomics.load(this.ctl, this.headWord) - this.tail) >>> 0;
  }

  /** Consumer: header word `i` (0..5) of the frame at `tail + offset`. */
  headerWord(offset: number, i: number): number {
    return this.i32[(((this.tail + offset) >>> 2) + i) & (this.mask >> 2)];
  }

  /** Consumer: the float64 at `tail + offset` (8-aligned). */
  readF64(offset: number): number {
    return this.f64[((this.tail + offset) & this.mask) >>> 3];
  }

  /** Consumer: copies `n` bytes at `tail + offset` into `dst` at `to`, wrapping. */
  readBytes(offset: number, dst: Uint8Array, to: number, n: number): void {
    const pos = (this.tail + offset) & this.mask;
    const first = this.capacity - pos;
    if (n <= 64) {
      const u8 = this.u8;
      const mask = this.mask;
      for (let i = 0; i < n; i++) dst[to + i] = u8[(pos + i) & mask];
    } else if (n <= first) {
      dst.set(this.u8.subarray(pos, pos + n), to);
    } else {
      dst.set(this.u8.subarray(pos, this.capacity), to);
      dst.set(this.u8.subarray(0, n - first), to + first);
    }
  }

  /** Consumer: releases `n` bytes to the producer. */
  release(n: number): void {
    this.tail = (this.tail + n) >>> 0;
    Atomics.store(this.ctl, this.tailWord, this.tail | 0);
  }
}

/** A frame found unread in a ring. */
export interface UnreadFrame {
  /** Payload length in bytes. */
  length: number;
  /** Tag. */
  tag: number;
  /** Context id. */
  context: number;
  /** False when the ring holds only part of the payload. */
  whole: boolean;
}

/**
 * The frames published into the ring (src → dst) that its consumer has not
 * taken, read from outside both ranks (by the launcher once every rank has
 * ended: what is left there was sent and never received). Assumes the
 * consumer stopped at a frame boundary, which a finalized rank does.
 */
export function unreadFrames(sab: SharedArrayBuffer, layout: ShmLayout, src: number, dst: number): UnreadFrame[] {
  const r = new Ring(sab, layout, src, dst);
  const avail = r.available();
  const out: UnreadFrame[] = [];
  let at = 0;
  while (avail - at >= HEADER_BYTES) {
    const length = (r.headerWord(at, 0) >>> 0) + (r.headerWord(at, 1) >>> 0) * 4294967296;
    const next = at + HEADER_BYTES + pad8(length);
    out.push({ length, tag: r.headerWord(at, 2), context: r.headerWord(at, 3), whole: next <= avail });
    at = next;
  }
  return out;
}

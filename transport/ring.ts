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
 * word 2  tag                      word 5  rendezvous descriptor + 1, or 0
 * ```
 *
 * A rendezvous frame (word 5 ≠ 0, `rendezvous.ts`) is a header alone: its
 * length word is the message's length, but the payload stays in the
 * sender's heap and the frame carries none of it.
 *
 * The producer publishes the header whole (it waits for 24 free bytes), and
 * the payload in chunks as space frees up, so a message may be far larger
 * than the ring: it streams through. Only this file reads or writes the
 * header: producers call `putFrame` (a whole small frame) or `putHeader` +
 * `putPayload` (streaming); consumers call `readHeader`.
 *
 * @module
 */

import { RING_CTL_STRIDE, RING_TAIL, ringIndex, type ShmLayout } from "./shm_layout.ts";

/** Bytes of a frame header. */
export const HEADER_BYTES = 24;

/** Rounds up to a multiple of 8. */
export function pad8(n: number): number {
  if (n <= 0x7ffffff0) return (n + 7) & ~7; // the common case, in 32-bit integer arithmetic
  // Arithmetic, not bitwise: message lengths may pass 2^31 (bitwise ops are 32-bit).
  const r = n % 8;
  return r === 0 ? n : n + 8 - r;
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
  /** Consumer: payload length of the header read last by `readHeader`. */
  hLength = 0;
  /** Consumer: tag of the header read last. */
  hTag = 0;
  /** Consumer: context of the header read last. */
  hContext = 0;
  /** Consumer: kind of the header read last. */
  hKind = 0;
  /** Consumer: word 5 of the header read last (rendezvous descriptor + 1, or 0). */
  hRdv = 0;

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

  /**
   * Producer: writes and publishes a whole frame (header, payload, padding)
   * if it fits now; returns false, writing nothing, when it does not.
   */
  putFrame(bytes: Uint8Array, tag: number, context: number, kind: number): boolean {
    const len = bytes.length;
    const need = HEADER_BYTES + pad8(len);
    if (this.freeFor(need) < need) return false;
    this.putHeader(len, tag, context, kind);
    this.writeBytes(bytes, 0, len);
    this.alignHead();
    this.publish();
    return true;
  }

  /** Producer: writes and publishes a frame of one float64 (a number) if it fits now. */
  putNumber(x: number, tag: number, context: number, kind: number): boolean {
    if (this.freeFor(HEADER_BYTES + 8) < HEADER_BYTES + 8) return false;
    this.putHeader(8, tag, context, kind);
    this.f64[(this.head & this.mask) >>> 3] = x;
    this.head = (this.head + 8) >>> 0;
    this.publish();
    return true;
  }

  /**
   * Producer: streams one piece of a payload: writes as much of `bytes` from
   * `offset` as fits, at most `chunk` bytes (pieces are 8-aligned; the end
   * of the payload is padded), publishes it, and returns the new offset
   * (unchanged when the ring is full).
   */
  putPayload(bytes: Uint8Array, offset: number, chunk: number): number {
    const left = bytes.length - offset;
    const free = this.freeFor(8);
    if (left <= 0 || free < 8) return offset;
    let n = free & ~7;
    if (n > chunk) n = chunk;
    if (n >= left) {
      this.writeBytes(bytes, offset, left);
      this.alignHead();
      offset += left;
    } else {
      this.writeBytes(bytes, offset, n);
      offset += n;
    }
    this.publish();
    return offset;
  }

  /** Producer: writes a frame header at `head` (caller checked 24 free bytes); `rdv` is word 5. */
  putHeader(
    length: number,
    tag: number,
    context: number,
    kind: number,
    rdv = 0,
  ): void {
    const w = this.i32;
    const m = this.mask >> 2;
    const p = this.head >>> 2;
    w[p & m] = length >>> 0;
    w[(p + 1) & m] = Math.floor(length / 4294967296);
    w[(p + 2) & m] = tag;
    w[(p + 3) & m] = context;
    w[(p + 4) & m] = kind;
    w[(p + 5) & m] = rdv;
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

  /** Producer: rounds `head` up to a multiple of 8 (the pad bytes are not written). */
  alignHead(): void {
    this.head = ((this.head + 7) & ~7) >>> 0; // u32 arithmetic: wraps at 2^32 as head does
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

  /** Consumer: reads the header of the frame at `tail + offset` into `hLength`, `hTag`, `hContext`, `hKind`. */
  readHeader(offset: number): void {
    const w = this.i32;
    const m = this.mask >> 2;
    const p = (this.tail + offset) >>> 2;
    this.hLength = (w[p & m] >>> 0) + (w[(p + 1) & m] >>> 0) * 4294967296;
    this.hTag = w[(p + 2) & m];
    this.hContext = w[(p + 3) & m];
    this.hKind = w[(p + 4) & m];
    this.hRdv = w[(p + 5) & m];
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
    r.readHeader(at);
    const next = at + HEADER_BYTES + (r.hRdv !== 0 ? 0 : pad8(r.hLength));
    out.push({ length: r.hLength, tag: r.hTag, context: r.hContext, whole: next <= avail });
    at = next;
  }
  return out;
}

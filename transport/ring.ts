/**
 * A single-producer single-consumer channel in shared memory: a ring of
 * header cells, and a byte ring for the payloads that do not fit a cell.
 *
 * ## Header cells
 * Every message has a header cell: `cells` cells of 512 bytes (128 in rings
 * under 64 KiB: shm_layout.ts), used in turn. Frame n (counting every frame ever sent, as an int32)
 * lives in cell n mod `cells`, and its word 0 is its sequence mark
 * `(n + 1) | 0`, stored last with `Atomics.store`: the consumer polls the
 * mark of the next cell it expects, so a message costs the consumer one
 * cache line to notice (no head word in a line of its own to read first).
 * Word 0 of a cell only ever holds a mark, never payload, so an old frame's
 * bytes cannot pass for a new frame. A payload of up to
 * `inlineMax` (480; {@linkcode INLINE_MAX}) bytes travels inside the cell, copied by
 * memcpy from 65 bytes where FFI is allowed (_memcpy.ts).
 *
 * ```text
 * word 0  mark (n + 1), stored last     word 4  context id (communicator)
 * word 1  length, low 32 bits           word 5  kind (codec.ts)
 * word 2  length, high bits             word 6  rendezvous descriptor + 1, or 0
 * word 3  tag                           word 7  where the payload is (below)
 * byte 32..: the payload, when it is in the cell
 * ```
 *
 * Word 7 is {@linkcode IN_CELL} (bytes 32..), {@linkcode IN_RING} (whole
 * in the byte ring, written before the mark: the consumer reads it without
 * looking at `head`) or {@linkcode STREAMED} (in the byte ring, published
 * piece by piece through `head`).
 *
 * The consumer counts the cells it has read in `taken`, stored after it has
 * read a cell; the producer reads it only when its cache says all are used.
 *
 * ## Byte ring
 * A payload that is not in its cell goes through the byte ring, in frame
 * order, padded to 8 bytes. The data area has a power-of-two capacity C;
 * `head` counts every byte the producer has written (only it stores it) and
 * `tail` every byte the consumer has released (only it stores it), both
 * int32 that wrap at 2^32, each in its own cache line; `head − tail` never exceeds C.
 * - A whole frame (`putFrame`) writes its payload, then its cell (IN_RING): the mark publishes the payload and `head`
 *   is left as it was, so `head` may lag until the next stream stores it (`available` never goes below 0). A payload
 *   that would wrap starts the ring over instead, when that leaves it room (`skipFor`): payloads then lie at the same
 *   positions cycle after cycle.
 * - A streamed frame (`putHeader` + `putPayload`) publishes its cell first, so the receiver matches it at once, and
 *   then the payload in pieces through `head` as space frees up: a message may be far larger than C.
 * - A rendezvous frame (word 6 ≠ 0, `rendezvous.ts`) has no payload here.
 *
 * Atomics are sequentially consistent in JavaScript, so each store of a mark, `head`, `tail` or `taken` orders the
 * plain accesses before it against the reads after the load that sees it (`taken` is a plain store on x86-64: see X86).
 * Only this file reads or writes a cell.
 *
 * @module
 */

import { CELL_HEADER_BYTES, CellCopy } from "./_cell_copy.ts";
import type { Memcpy } from "./_memcpy.ts";
import { RingReader } from "./_ring_reader.ts";
import { RingWriter } from "./_ring_writer.ts";
import { CELL_BYTES, RING_CTL_STRIDE, RING_TAIL, ringIndex, type ShmLayout } from "./shm_layout.ts";

export { CELL_HEADER_BYTES };
/** The largest payload that travels inside its header cell, with cells of the default size (`Ring.inlineMax`). */
export const INLINE_MAX = CELL_BYTES - CELL_HEADER_BYTES;
/** Word 7 of a cell: the payload is in the cell. */
export const IN_CELL = 1;
/** Word 7 of a cell: the payload is whole in the byte ring, published by the cell's mark. */
export const IN_RING = 2;
/** Word 7 of a cell: the payload streams through the byte ring, published by `head`. */
export const STREAMED = 0;
/**
 * On x86-64 a consumer releases a cell with a plain store: x86 keeps a store after the loads before it (TSO), and V8
 * keeps typed-array accesses in program order, so the producer cannot see the cell released before the consumer has
 * read it; `Atomics.store` would add a locked instruction and a builtin call (5-10 ns per message, measured).
 * Elsewhere (ARM) it must be atomic. A wake that follows is then not ordered after the store: a producer that sleeps
 * for room sleeps at most ROOM_SLEEP_MS.
 */
const X86 = Deno.build.arch === "x86_64";

/** Offset of `taken` from the tail word (same line: only the consumer writes either). */
const RING_TAKEN = 1;

/**
 * Bytes an IN_RING payload of `need` (padded) bytes at ring position `pos` skips to start at position 0 instead of
 * wrapping, when it would wrap and the skip leaves it room: whole payloads then lie at the same positions cycle after
 * cycle (their views and pointers are reused; none is copied in two pieces). Producer and consumer both apply it.
 */
function skipFor(pos: number, need: number, capacity: number): number {
  return pos + need > capacity && need <= pos ? capacity - pos : 0;
}

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
  /** Word index of `taken` (cells the consumer has read). */
  readonly takenWord: number;
  /** The byte ring's data area as bytes. */
  readonly u8: Uint8Array;
  /** The byte ring's data area as float64 words. */
  readonly f64: Float64Array;
  /** Capacity of the byte ring in bytes. */
  readonly capacity: number;
  /** capacity − 1. */
  readonly mask: number;
  /** Number of header cells (a power of two). */
  readonly cells: number;
  /** The largest payload that travels in its cell (cell bytes − {@linkcode CELL_HEADER_BYTES}). */
  readonly inlineMax: number;
  readonly #cellWords: number;
  /** The cells as int32 words, bytes and float64 words. */
  readonly #cw: Int32Array;
  readonly #cf: Float64Array;
  // These counters wrap at 2^32 as int32 (`| 0`, differences too): as u32 they left V8's small integers at 2^31 (2 GiB
  // through a ring), and every Ring got double fields: all ring code deoptimized, then ran slower for good.
  /** Producer: bytes written (published or not), as int32. */
  head = 0;
  /** Producer: last `tail` seen. Consumer: bytes released, as int32. */
  tail = 0;
  /** Producer: frames sent, as int32. Consumer: cells read and released (`taken`), as int32. */
  frames = 0;
  /** Producer: last `taken` seen. */
  #takenSeen = 0;
  /**
   * Producer: `head` as it stood when frame n's cell was published, at n mod
   * 2·cells (a producer that has seen `taken` = t has published no frame past
   * t − 1 + cells, so entry t − 1 is still frame t − 1's).
   */
  readonly #ends: Int32Array;
  /** The payload copies into and out of the cells. */
  readonly #copy: CellCopy;
  /** The copies into the byte ring (producer, `writeBytes`) and out of it (consumer, `readBytes`). */
  readonly #writer: RingWriter;
  readonly #reader: RingReader;
  /** Consumer: `taken` and `tail` as last stored (`passCell`/`passRing` move ahead of them; `flush` stores). */
  #takenStored = 0;
  #tailStored = 0;
  /** Consumer: payload length of the header read last by `nextHeader`. */ hLength = 0;
  /** Consumer: tag of the header read last. */ hTag = 0;
  /** Consumer: context of the header read last. */ hContext = 0;
  /** Consumer: kind of the header read last. */ hKind = 0;
  /** Consumer: word 6 of the header read last (rendezvous descriptor + 1, or 0). */ hRdv = 0;
  /** Consumer: where the payload of the header read last is: IN_CELL, IN_RING or STREAMED. */ hWhere = 0;

  /** Views the ring for the ordered pair (src → dst); longer payloads are copied by `memcpy` when given (_memcpy.ts). */
  constructor(
    sab: SharedArrayBuffer,
    layout: ShmLayout,
    src: number,
    dst: number,
    memcpy: Memcpy | null = null,
  ) {
    const i = ringIndex(layout.size, src, dst);
    this.ctl = new Int32Array(sab, 0, layout.ctlWords);
    this.headWord = layout.ringCtlWord + i * RING_CTL_STRIDE;
    this.tailWord = this.headWord + RING_TAIL;
    this.takenWord = this.tailWord + RING_TAKEN;
    const off = layout.ringDataByte + i * layout.ringBytes;
    this.capacity = layout.ringBytes;
    this.mask = layout.ringBytes - 1;
    this.u8 = new Uint8Array(sab, off, this.capacity);
    this.#writer = new RingWriter(this.u8, memcpy);
    this.#reader = new RingReader(this.u8, memcpy);
    this.f64 = new Float64Array(sab, off, this.capacity >> 3);
    this.cells = layout.cells;
    const cellBytes = layout.cellBytes;
    this.inlineMax = cellBytes - CELL_HEADER_BYTES;
    this.#cellWords = cellBytes >> 2;
    const cellOff = layout.cellByte + i * layout.cells * cellBytes;
    this.#cw = new Int32Array(sab, cellOff, layout.cells * this.#cellWords);
    this.#copy = new CellCopy(
      new Uint8Array(sab, cellOff, layout.cells * cellBytes),
      this.#cw,
      this.#cellWords,
      memcpy,
    );
    this.#cf = new Float64Array(sab, cellOff, layout.cells * (cellBytes >> 3));
    this.head = Atomics.load(this.ctl, this.headWord);
    this.tail = Atomics.load(this.ctl, this.tailWord);
    this.frames = this.#takenSeen = this.#takenStored = Atomics.load(this.ctl, this.takenWord);
    this.#tailStored = this.tail;
    this.#ends = new Int32Array(2 * layout.cells).fill(this.head);
  }

  /** Word index of the cell of frame `n`. */
  #cell(n: number): number {
    return (n & (this.cells - 1)) * this.#cellWords;
  }

  // ---- producer side -------------------------------------------------------

  /** Producer: true when a header cell is free, re-reading `taken` only when the cached value says none is. */
  hasCell(): boolean {
    if (((this.frames - this.#takenSeen) | 0) < this.cells) return true;
    this.#takenSeen = Atomics.load(this.ctl, this.takenWord);
    return ((this.frames - this.#takenSeen) | 0) < this.cells;
  }

  /** Producer: free bytes in the byte ring, re-reading `tail` only when the cached value says it is too full. */
  freeFor(need: number): number {
    let free = this.capacity - ((this.head - this.tail) | 0);
    if (free < need) {
      this.tail = Atomics.load(this.ctl, this.tailWord);
      // The consumer stores `tail` lazily after IN_RING payloads (`passRing`): every byte before the position
      // recorded for the last cell it has taken is read too (`#ends`).
      const t = Atomics.load(this.ctl, this.takenWord);
      const end = this.#ends[(t - 1) & (this.#ends.length - 1)];
      if (((end - this.tail) | 0) > 0) this.tail = end;
      free = this.capacity - ((this.head - this.tail) | 0);
    }
    return free;
  }

  /**
   * Producer: writes and publishes a whole frame (its payload in the cell
   * when it fits there, else first into the byte ring) if it fits now;
   * returns false, writing nothing, when it does not.
   */
  putFrame(bytes: Uint8Array, tag: number, context: number, kind: number): boolean {
    if (bytes.byteLength <= this.inlineMax) return this.putSmall(bytes, tag, context, kind);
    if (!this.hasCell()) return false;
    return this.#putInRing(this.#cell(this.frames), bytes, tag, context, kind);
  }

  /**
   * Producer: putFrame of a payload that fits in a cell (at most
   * `inlineMax` bytes). Small, and the larger cases are out of line: V8
   * inlines it whole into a send, whatever sizes the program also sends.
   */
  putSmall(bytes: Uint8Array, tag: number, context: number, kind: number): boolean {
    if (!this.hasCell()) return false;
    const c = this.#cell(this.frames);
    this.#copy.toCell(c, bytes);
    this.#putCell(c, bytes.byteLength, tag, context, kind, 0, IN_CELL);
    return true;
  }

  /** Producer: putFrame of a payload longer than a cell holds: into the byte ring, then the cell at word `c`. */
  #putInRing(c: number, bytes: Uint8Array, tag: number, context: number, kind: number): boolean {
    const len = bytes.byteLength;
    const need = pad8(len);
    const skip = skipFor(this.head & this.mask, need, this.capacity);
    if (this.freeFor(skip + need) < skip + need) return false;
    this.head = (this.head + skip) | 0; // the bytes skipped are neither written nor read
    this.writeBytes(bytes, 0, len);
    this.alignHead(); // not published: the mark is
    this.#putCell(c, len, tag, context, kind, 0, IN_RING);
    return true;
  }

  /** Producer: writes and publishes a frame of one float64 (a number) if a cell is free. */
  putNumber(x: number, tag: number, context: number, kind: number): boolean {
    if (!this.hasCell()) return false;
    const c = this.#cell(this.frames);
    this.#cf[(c + (CELL_HEADER_BYTES >> 2)) >> 1] = x;
    this.#putCell(c, 8, tag, context, kind, 0, IN_CELL);
    return true;
  }

  /**
   * Producer: publishes the header cell of a frame whose payload (unless it
   * is a rendezvous, `rdv` ≠ 0) follows through `putPayload`; the caller
   * checked `hasCell`.
   */
  putHeader(length: number, tag: number, context: number, kind: number, rdv = 0): void {
    // `head` catches up with the IN_RING payloads before the stream: a consumer reading the stream counts from it
    // (without this, after 2^31 bytes of IN_RING frames `head − tail` would wrap and look like published bytes).
    if (rdv === 0) this.publish();
    this.#putCell(this.#cell(this.frames), length, tag, context, kind, rdv, STREAMED);
  }

  /** Producer: fills cell word `c` and publishes it with its mark, last. */
  #putCell(c: number, length: number, tag: number, context: number, kind: number, rdv: number, where: number): void {
    const w = this.#cw;
    w[c + 1] = length >>> 0;
    w[c + 2] = (length - (length >>> 0)) / 4294967296; // 0 below 4 GiB (a non-negative integer's high word)
    w[c + 3] = tag;
    w[c + 4] = context;
    w[c + 5] = kind;
    w[c + 6] = rdv;
    w[c + 7] = where;
    // Where the byte ring stands when this frame's cell is taken: after its payload (IN_RING, written before the
    // cell), or before it (a stream's payload follows its cell).
    this.#ends[this.frames & (this.#ends.length - 1)] = this.head;
    this.frames = (this.frames + 1) | 0;
    Atomics.store(w, c, this.frames);
  }

  /**
   * Producer: streams one piece of a payload through the byte ring: writes
   * as much of `bytes` from `offset` as fits, at most `chunk` bytes (pieces
   * are 8-aligned; the end of the payload is padded), publishes it, and
   * returns the new offset (unchanged when the ring is full).
   */
  putPayload(bytes: Uint8Array, offset: number, chunk: number): number {
    const left = bytes.byteLength - offset;
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

  /** Producer: copies `n` bytes of `src` from `from` at `head`, wrapping. */
  writeBytes(src: Uint8Array, from: number, n: number): void {
    this.#writer.copy(this.head & this.mask, src, from, n);
    this.head = (this.head + n) | 0;
  }

  /** Producer: rounds `head` up to a multiple of 8 (the pad bytes are not written). */
  alignHead(): void {
    this.head = (this.head + 7) & ~7; // int32 arithmetic: wraps at 2^32 as head does
  }

  /** Producer: makes every payload byte written so far visible to the consumer. */
  publish(): void {
    Atomics.store(this.ctl, this.headWord, this.head);
  }

  // ---- consumer side -------------------------------------------------------

  /**
   * Consumer: true when the next frame's header cell is published; its
   * fields are then in `hLength`, `hTag`, `hContext`, `hKind`, `hRdv` and
   * `hWhere` (nothing is consumed: `takeCell` does that).
   */
  nextHeader(): boolean {
    const w = this.#cw;
    const c = this.#cell(this.frames);
    if (Atomics.load(w, c) !== ((this.frames + 1) | 0)) return false;
    // A length under 2^31 stays a small integer (with a double in the sum, Message and Status got boxed double fields).
    const hi = w[c + 2];
    this.hLength = hi === 0 ? w[c + 1] >>> 0 : (w[c + 1] >>> 0) + (hi >>> 0) * 4294967296;
    this.hTag = w[c + 3];
    this.hContext = w[c + 4];
    this.hKind = w[c + 5];
    this.hRdv = w[c + 6];
    this.hWhere = w[c + 7];
    return true;
  }

  /** Consumer: copies `n` bytes of the payload in the current cell (after `nextHeader`) into `dst` at `to`. */
  readInline(dst: Uint8Array, to: number, n: number): void {
    this.#copy.fromCell(this.#cell(this.frames), dst, to, n);
  }

  /** Consumer: the float64 payload in the current cell. */
  inlineF64(): number {
    return this.#cf[(this.#cell(this.frames) + (CELL_HEADER_BYTES >> 2)) >> 1];
  }

  /** Consumer: releases the current cell to the producer (after reading what it needs of it). */
  takeCell(): void {
    this.frames = (this.frames + 1) | 0;
    this.#takenStored = this.frames;
    if (X86) this.ctl[this.takenWord] = this.frames; // see X86
    else Atomics.store(this.ctl, this.takenWord, this.frames);
  }

  /**
   * Consumer: moves past the current cell without storing `taken`: for a
   * reader that stores it (`flush`) before it returns, as `Inbox` does at the
   * end of a pull. (A cell held back past that would be room its producer
   * cannot use while this rank runs user code.)
   */
  passCell(): void {
    this.frames = (this.frames + 1) | 0;
  }

  /**
   * Consumer: moves past the IN_RING payload of the cell just taken, `n` bytes, without storing `tail`: the
   * producer knows the bytes before a taken cell's payload end are free (`freeFor`), so no room is hidden.
   */
  passRing(n: number): void {
    this.tail = (this.tail + n) | 0;
    // Stored a ring behind even by a reader that never waits (nor flushes): the producer compares positions as
    // signed 32-bit distances, which a `tail` stored 2^31 bytes behind turns around (its sender hung after 2 GiB).
    if (((this.tail - this.#tailStored) | 0) >= this.capacity) this.release(0);
  }

  /** Consumer: stores `taken` and `tail` where `passCell`/`passRing` left them behind; true if it stored anything. */
  flush(): boolean {
    let stored = false;
    if (this.frames !== this.#takenStored) {
      this.#takenStored = this.frames;
      Atomics.store(this.ctl, this.takenWord, this.frames);
      stored = true;
    }
    if (this.tail !== this.#tailStored) {
      this.#tailStored = this.tail;
      Atomics.store(this.ctl, this.tailWord, this.tail);
      stored = true;
    }
    return stored;
  }

  /** Consumer: payload bytes published through `head` and not yet released (0 while `head` lags: see below). */
  available(): number {
    // Signed: `head` may lag `tail` (by any amount while only IN_RING frames flow), but once a stream's header is
    // seen, `head` was stored at or past the stream's start, within C of `tail`.
    const n = (Atomics.load(this.ctl, this.headWord) - this.tail) | 0;
    return n > 0 ? n : 0;
  }

  /** Consumer: bytes skipped before an IN_RING payload of `length` whose frame is `offset` past `tail` (`skipFor`). */
  skipAt(offset: number, length: number): number {
    return skipFor((this.tail + offset) & this.mask, pad8(length), this.capacity);
  }

  /** Consumer: the float64 at `tail + offset` of the byte ring (8-aligned). */
  readF64(offset: number): number {
    return this.f64[((this.tail + offset) & this.mask) >>> 3];
  }

  /** Consumer: copies `n` bytes at `tail + offset` of the byte ring into `dst` at `to`, wrapping. */
  readBytes(offset: number, dst: Uint8Array, to: number, n: number): void {
    this.#reader.copy((this.tail + offset) & this.mask, dst, to, n);
  }

  /** Consumer: releases `n` bytes of the byte ring to the producer. */
  release(n: number): void {
    this.tail = (this.tail + n) | 0;
    this.#tailStored = this.tail;
    Atomics.store(this.ctl, this.tailWord, this.tail);
  }
}

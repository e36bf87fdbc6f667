/**
 * The map of the one SharedArrayBuffer that all ranks of a job share.
 *
 * Everything is allocated once, when the job starts; traffic never grows it.
 * Offsets are in bytes; every word is an Int32 read and written with
 * `Atomics` where another thread may touch it at the same time. Each
 * cache-line-sized block (64 bytes) has a single writer wherever possible,
 * so that polling one word does not bounce a line another thread writes.
 *
 * ```text
 * offset 0                  job header (one line)
 *   word 0  MAGIC            "spmd" marker, checked when a rank attaches
 *   word 1  size             number of ranks
 *   word 2  ringBytes        capacity of each ring's data area (power of 2)
 *   word 3  abort            0 while running; 1 once the job is being stopped
 *   word 4  abortCode        exit code to use once stopped
 *   word 5  abortRank        rank that started the stop, or -1 (launcher)
 *   word 6  ended            1 once the launcher has ended the job
 *   word 7  cellBytes        bytes of a ring's header cell
 *
 * 64                        per-rank doorbells, 64 bytes per rank
 *   word 0  doorbell         bumped (and notified) to wake a sleeping rank
 *   word 1  sleeping         1 while the rank is about to sleep or sleeps
 *
 * 64 + 64·size              per-rank activity, 64 bytes per rank, written only
 *                           by the rank itself: see activity.ts
 *
 * ringCtl                   one 128-byte control block per ring:
 *   word 0       head         payload bytes ever published by the producer (u32, wraps)
 *   word 16      tail         payload bytes ever released by the consumer (u32, wraps)
 *   word 17      taken        header cells ever read by the consumer (u32, wraps)
 *
 * slotWord                  two collective slots per rank (slots.ts), each
 *                           SLOT_STRIDE bytes: a 32-byte header (the round
 *                           number last, so readers see it after the rest)
 *                           and SLOT_DATA_BYTES of data; written only by
 *                           their rank
 *
 * cellByte                  size·(size−1) arrays of `cells` header cells of
 *                           cellBytes each, one per ordered pair (ring.ts)
 *
 * ringData                  size·(size−1) data areas of ringBytes each,
 *                           one per ordered pair (src → dst), src ≠ dst
 * ```
 *
 * Ring i for the pair (src, dst) is `src·(size−1) + (dst < src ? dst : dst−1)`.
 * Self-sends never touch shared memory.
 *
 * @module
 */

import { initActivity } from "./activity.ts";

/** Marker in word 0 of the header. */
export const MAGIC = 0x73706d64; // "spmd"

/** Header word: number of ranks. */
export const H_SIZE = 1;
/** Header word: ring data capacity in bytes. */
export const H_RING_BYTES = 2;
/** Header word: abort flag. */
export const H_ABORT = 3;
/** Header word: exit code of a stopped job. */
export const H_ABORT_CODE = 4;
/** Header word: rank that stopped the job, or -1. */
export const H_ABORT_RANK = 5;
/** Header word: 1 once the launcher has ended the job. */
export const H_ENDED = 6;
/** Header word: bytes of a header cell ({@linkcode CELL_BYTES} unless a test chose otherwise). */
export const H_CELL_BYTES = 7;

/** Words per cache line. */
const LINE_WORDS = 16;

/** Total bound on ring memory; ring size shrinks as ranks grow to keep it. */
export const RING_MEMORY_BOUND = 256 * 1024 * 1024;
/** Largest ring data area. */
export const MAX_RING_BYTES = 1024 * 1024;
/** Smallest ring data area. */
export const MIN_RING_BYTES = 4096;
/** Most ranks a job may have. */
export const MAX_RANKS = 1024;

/** Offsets of every region, derived from the rank count. */
export interface ShmLayout {
  /** Number of ranks. */
  readonly size: number;
  /** Ring data capacity in bytes (a power of two). */
  readonly ringBytes: number;
  /** Word index of rank r's doorbell is `doorbellWord + 16·r`. */
  readonly doorbellWord: number;
  /** Word index of rank r's activity block is `activityWord + 16·r`. */
  readonly activityWord: number;
  /** Word index of ring i's head is `ringCtlWord + 32·i`; its tail is 16 words later. */
  readonly ringCtlWord: number;
  /** Word index of rank r's collective slot p (0 or 1) is `slotWord + (2·r + p)·SLOT_STRIDE / 4`. */
  readonly slotWord: number;
  /** Header cells per ring (a power of two, ring.ts). */
  readonly cells: number;
  /** Bytes of a header cell (a power of two, {@linkcode CELL_BYTES} by default). */
  readonly cellBytes: number;
  /** Byte offset of ring i's header cells is `cellByte + cells·cellBytes·i`. */
  readonly cellByte: number;
  /** Words before the cells (header, doorbells, activity, ring control words, slots): the control view's length. */
  readonly ctlWords: number;
  /** Byte offset of ring i's data is `ringDataByte + ringBytes·i`. */
  readonly ringDataByte: number;
  /** Total bytes of the SharedArrayBuffer. */
  readonly totalBytes: number;
}

/** Words between consecutive per-rank blocks. */
export const RANK_STRIDE = LINE_WORDS;
/** Data bytes of one collective slot. */
export const SLOT_DATA_BYTES = 8192;
/** Bytes of a collective slot's header (its data follows). */
export const SLOT_HEADER_BYTES = 32;
/** Bytes between consecutive collective slots (header + data, rounded up to a cache line). */
export const SLOT_STRIDE = SLOT_HEADER_BYTES + SLOT_DATA_BYTES + 32;
/**
 * Bytes of a ring's header cell (ring.ts) in rings of 64 KiB or more (jobs
 * of up to 64 ranks): eight cache lines, the first holding the header, the
 * rest payloads of up to 480 bytes. A payload in the cell is noticed and
 * read in one run of lines, where one in the byte ring is a second place to
 * fetch: with 128-byte cells (96-byte payloads), 256 B one way took
 * 0.13-0.145 us, with 512-byte ones 0.113-0.136 (C Open MPI 0.113-0.117).
 * Smaller rings have cells of {@linkcode SMALL_CELL_BYTES} (cellBytesFor).
 */
export const CELL_BYTES = 512;
/** Bytes of a header cell in rings under 64 KiB (more than 64 ranks), where 512-byte cells would outweigh the ring. */
export const SMALL_CELL_BYTES = 128;
/** Words between consecutive ring control blocks. */
export const RING_CTL_STRIDE = 2 * LINE_WORDS;
/** Offset of the tail word inside a ring control block. */
export const RING_TAIL = LINE_WORDS;

/**
 * Chooses the ring capacity for a job of `size` ranks: the largest power of
 * two that keeps all rings within {@linkcode RING_MEMORY_BOUND}, clamped to
 * [{@linkcode MIN_RING_BYTES}, {@linkcode MAX_RING_BYTES}].
 */
export function ringBytesFor(
  size: number,
  max: number = MAX_RING_BYTES,
): number {
  const rings = Math.max(1, size * (size - 1));
  let bytes = MIN_RING_BYTES;
  while (bytes * 2 <= max && bytes * 2 * rings <= RING_MEMORY_BOUND) bytes *= 2;
  return bytes;
}

/**
 * Header cells of each ring: one per 4 KiB of the ring's bytes, 8 to 64 of
 * them (64 lets a window of 64 small messages be in flight at once). With
 * the cells of cellBytesFor they take at most an eighth of a ring of 16 KiB
 * or more.
 */
export function cellsFor(ringBytes: number): number {
  const n = ringBytes / 4096;
  return n < 8 ? 8 : n > 64 ? 64 : n;
}

/** Bytes of a header cell for rings of `ringBytes`: {@linkcode CELL_BYTES}, or {@linkcode SMALL_CELL_BYTES} under 64 KiB. */
export function cellBytesFor(ringBytes: number): number {
  return ringBytes >= 65536 ? CELL_BYTES : SMALL_CELL_BYTES;
}

/** Word index of rank `r`'s activity block (activity.ts). */
export function activityBase(layout: ShmLayout, r: number): number {
  return layout.activityWord + r * RANK_STRIDE;
}

/** Computes the layout of a job with `size` ranks (the ring and cell sizes are for tests to choose). */
export function layoutFor(
  size: number,
  ringBytes: number = ringBytesFor(size),
  cellBytes: number = cellBytesFor(ringBytes),
): ShmLayout {
  if (!Number.isInteger(size) || size < 1 || size > MAX_RANKS) {
    throw new RangeError(
      `layoutFor: size must be an integer in 1..${MAX_RANKS}, got ${size}`,
    );
  }
  if (
    !Number.isInteger(ringBytes) || ringBytes < MIN_RING_BYTES || ringBytes > 2 ** 30 ||
    (ringBytes & (ringBytes - 1)) !== 0
  ) {
    throw new RangeError(
      `layoutFor: ringBytes must be a power of two in ${MIN_RING_BYTES}..2^30, got ${ringBytes}`,
    );
  }
  if (!Number.isInteger(cellBytes) || cellBytes < 128 || cellBytes > 4096 || (cellBytes & (cellBytes - 1)) !== 0) {
    throw new RangeError(`layoutFor: cellBytes must be a power of two in 128..4096, got ${cellBytes}`);
  }
  const doorbellWord = LINE_WORDS;
  const activityWord = doorbellWord + size * RANK_STRIDE;
  const ringCtlWord = activityWord + size * RANK_STRIDE;
  const rings = size * (size - 1);
  const slotWord = ringCtlWord + rings * RING_CTL_STRIDE;
  const cells = cellsFor(ringBytes);
  const cellByte = (slotWord + size * 2 * (SLOT_STRIDE >> 2)) * 4;
  const ringDataByte = cellByte + rings * cells * cellBytes;
  return {
    size,
    ringBytes,
    doorbellWord,
    activityWord,
    ringCtlWord,
    slotWord,
    cells,
    cellBytes,
    cellByte,
    ctlWords: cellByte / 4,
    ringDataByte,
    totalBytes: ringDataByte + rings * ringBytes,
  };
}

/** Index of the ring that carries messages from `src` to `dst` (src ≠ dst). */
export function ringIndex(size: number, src: number, dst: number): number {
  return src * (size - 1) + (dst < src ? dst : dst - 1);
}

/** Allocates and initialises the shared memory of a job. */
export function createShm(layout: ShmLayout): SharedArrayBuffer {
  // Growable, though it never grows: V8 places a growable buffer at the start of a page, and a plain one where malloc
  // puts it (16 bytes past a page for large ones), which would shift every "cache line" of this map by 16 bytes. In-cell
  // payloads of 17-32 and 81-96 bytes then took one more line each (88 B one way 0.140-0.148 us against 0.111-0.121).
  const sab = new SharedArrayBuffer(layout.totalBytes, { maxByteLength: layout.totalBytes });
  const words = new Int32Array(sab, 0, layout.ctlWords);
  words[0] = MAGIC;
  words[H_SIZE] = layout.size;
  words[H_RING_BYTES] = layout.ringBytes;
  words[H_CELL_BYTES] = layout.cellBytes;
  words[H_ABORT_RANK] = -1;
  for (let r = 0; r < layout.size; r++) {
    initActivity(words, activityBase(layout, r));
  }
  return sab;
}

/** Reads the layout back from a job's shared memory, checking its header. */
export function attachShm(sab: SharedArrayBuffer): ShmLayout {
  const head = new Int32Array(sab, 0, LINE_WORDS);
  if (head[0] !== MAGIC) {
    throw new Error("attachShm: not an spmd shared memory block");
  }
  return layoutFor(head[H_SIZE], head[H_RING_BYTES], head[H_CELL_BYTES]);
}

/**
 * Asks every rank of the job to stop: sets the abort word (first caller
 * wins) and wakes every sleeping rank. Safe to call from any thread.
 */
export function raiseAbort(
  sab: SharedArrayBuffer,
  code: number,
  rank: number,
): boolean {
  const layout = attachShm(sab);
  const words = new Int32Array(sab, 0, layout.ctlWords);
  const first = Atomics.compareExchange(words, H_ABORT, 0, 1) === 0;
  if (first) {
    Atomics.store(words, H_ABORT_CODE, code);
    Atomics.store(words, H_ABORT_RANK, rank);
  }
  for (let r = 0; r < layout.size; r++) {
    const w = layout.doorbellWord + r * RANK_STRIDE;
    Atomics.add(words, w, 1);
    Atomics.notify(words, w);
  }
  return first;
}

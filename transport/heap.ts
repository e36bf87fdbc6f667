/**
 * Each rank's heap: memory every rank of the job can read, from which
 * `comm.alloc` (MPI's `MPI_Alloc_mem`) carves typed arrays. A message whose
 * bytes lie in its sender's heap can be copied once, by the receiver,
 * straight out of the sender's memory (`rendezvous.ts`).
 *
 * ## Why one growable SharedArrayBuffer per rank, made at job start
 * Workers can only share a SharedArrayBuffer that reaches them by
 * `postMessage`, and a rank blocked in `Atomics.wait` never runs its event
 * loop to receive one. So the launcher makes every rank's heap before the
 * job starts (`createHeaps`) and hands each rank all of them with the job's
 * main shared memory. A heap is a growable SharedArrayBuffer
 * (`new SharedArrayBuffer(n, { maxByteLength })`): the limit is only
 * reserved address space; the owner grows the buffer as it allocates, and
 * the other ranks see the growth through length-tracking views. Pages take
 * physical memory only once written, so a large limit costs nothing until
 * it is used (checked by tests/alloc_test.ts).
 *
 * ## Layout of a heap
 * ```text
 * 0        DESC_SLOTS rendezvous descriptors of DESC_BYTES each (rendezvous.ts)
 * BASE     blocks handed out by alloc, each HEAP_ALIGN-aligned
 * ```
 *
 * ## The allocator
 * First fit over a list of holes sorted by offset, with coalescing; blocks
 * come from the top of the heap when no hole fits, and a freed block at the
 * top lowers it. Every block is a multiple of {@linkcode HEAP_ALIGN} bytes
 * and starts on a multiple of it (a cache line, so any element type fits
 * and copies start on a line). Only the owning rank allocates and frees;
 * the bookkeeping lives in its own (unshared) memory.
 *
 * @module
 */

/** Alignment and granularity of heap blocks, in bytes. */
export const HEAP_ALIGN = 64;
/** Rendezvous descriptors at the start of every heap. */
export const DESC_SLOTS = 128;
/** Bytes of one rendezvous descriptor (a cache line: a receiver's store does not disturb its neighbours). */
export const DESC_BYTES = 64;
/** Offset of the first block. */
export const HEAP_BASE = DESC_SLOTS * DESC_BYTES;
/** Default heap limit per rank: 1 GiB of address space (memory is used only as blocks are written). */
export const HEAP_BYTES_DEFAULT = 1024 * 1024 * 1024;
/** Smallest heap limit a job may ask for. */
export const HEAP_BYTES_MIN = 64 * 1024;
/** Largest heap limit a job may ask for (1 TiB of address space per rank). */
export const HEAP_BYTES_MAX = 2 ** 40;
/** The heap grows by at least this much at a time. */
const GROW_STEP = 1024 * 1024;

/** True when `n` is a heap limit a job may use. */
export function isHeapBytes(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= HEAP_BYTES_MIN && n <= HEAP_BYTES_MAX;
}

/** Makes the heaps of a job of `size` ranks, each limited to `limit` bytes. */
export function createHeaps(size: number, limit: number = HEAP_BYTES_DEFAULT): SharedArrayBuffer[] {
  const out: SharedArrayBuffer[] = [];
  for (let r = 0; r < size; r++) out.push(new SharedArrayBuffer(HEAP_BASE, { maxByteLength: limit }));
  return out;
}

/** Rounds up to a multiple of {@linkcode HEAP_ALIGN}. */
function alignUp(n: number): number {
  const r = n % HEAP_ALIGN;
  return r === 0 ? n : n + HEAP_ALIGN - r;
}

/** The owner's allocator over its heap. */
export class Heap {
  /** The heap's memory. */
  readonly sab: SharedArrayBuffer;
  /** Largest size the heap may grow to, in bytes. */
  readonly limit: number;
  /** Bytes in blocks now. */
  inUse = 0;
  /** Blocks now. */
  blocks = 0;
  /** End of the highest block. */
  #top = HEAP_BASE;
  /** Holes below `#top`, sorted by offset, never adjacent (coalesced). */
  readonly #holeAt: number[] = [];
  readonly #holeLen: number[] = [];
  /** Size of each live block, by offset. */
  readonly #size = new Map<number, number>();

  /** The allocator of heap `sab` (a growable SharedArrayBuffer made by {@linkcode createHeaps}). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.limit = sab.growable ? sab.maxByteLength : sab.byteLength;
  }

  /** Largest block that could be allocated now (ignoring holes below the top). */
  get room(): number {
    return this.limit - this.#top;
  }

  /** True when `alloc(bytes)` would succeed now. */
  fits(bytes: number): boolean {
    const n = bytes <= 0 ? HEAP_ALIGN : alignUp(bytes);
    if (this.#top + n <= this.limit) return true;
    const len = this.#holeLen;
    for (let i = 0; i < len.length; i++) if (len[i] >= n) return true;
    return false;
  }

  /** Allocates a block of at least `bytes` bytes (at least one line); returns its offset, or −1 when it does not fit. */
  alloc(bytes: number): number {
    const n = bytes <= 0 ? HEAP_ALIGN : alignUp(bytes);
    const at = this.#holeAt;
    const len = this.#holeLen;
    for (let i = 0; i < at.length; i++) {
      if (len[i] < n) continue;
      const off = at[i];
      if (len[i] === n) {
        at.splice(i, 1);
        len.splice(i, 1);
      } else {
        at[i] += n;
        len[i] -= n;
      }
      return this.#take(off, n);
    }
    const off = this.#top;
    if (off + n > this.limit) return -1;
    const sab = this.sab;
    if (off + n > sab.byteLength) {
      sab.grow(Math.min(this.limit, Math.max(off + n, sab.byteLength + GROW_STEP, sab.byteLength * 2)));
    }
    this.#top = off + n;
    return this.#take(off, n);
  }

  /** Frees the block at `offset`; returns its size, or −1 when no block starts there. */
  free(offset: number): number {
    const n = this.#size.get(offset);
    if (n === undefined) return -1;
    this.#size.delete(offset);
    this.inUse -= n;
    this.blocks--;
    const at = this.#holeAt;
    const len = this.#holeLen;
    // First hole after the block.
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    let start = offset;
    let size = n;
    if (lo > 0 && at[lo - 1] + len[lo - 1] === start) {
      lo--;
      start = at[lo];
      size += len[lo];
      at.splice(lo, 1);
      len.splice(lo, 1);
    }
    if (lo < at.length && at[lo] === start + size) {
      size += len[lo];
      at.splice(lo, 1);
      len.splice(lo, 1);
    }
    if (start + size === this.#top) this.#top = start;
    else {
      at.splice(lo, 0, start);
      len.splice(lo, 0, size);
    }
    return n;
  }

  /** Size of the block at `offset`, or −1. */
  sizeAt(offset: number): number {
    return this.#size.get(offset) ?? -1;
  }

  #take(off: number, n: number): number {
    this.#size.set(off, n);
    this.inUse += n;
    this.blocks++;
    return off;
  }
}

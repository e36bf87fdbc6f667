// The consumer's copies out of a ring's byte ring (ring.ts), with the views of it and pointers into it they keep.

import { type Memcpy, RingCopies } from "./_memcpy.ts";

/**
 * Copies bytes out of a byte ring of `capacity` bytes (a power of two) seen
 * as `u8`, keeping views it makes: a new view costs ~10 ns and an
 * allocation, and whole payloads lie at the same positions cycle after
 * cycle (ring.ts `skipFor`), so a program that sends the same sizes again and
 * again reads through the same views. Where FFI is allowed, payloads of
 * MEMCPY_MIN (256) bytes or more are copied by libc's memcpy instead
 * (_memcpy.ts).
 */
export class RingReader {
  readonly #u8: Uint8Array;
  readonly #capacity: number;
  /** Views by position / 64 (payloads read through a view are more than 64 bytes long), made when first needed. */
  #views: (Uint8Array | undefined)[] | null = null;
  /** The length of the payload last read at each position / 64 without a kept view. */
  #seen: Int32Array | null = null;
  /** The copies by memcpy; null: `set` copies. */
  readonly #fast: RingCopies | null;

  /** A reader of the byte ring `u8` (its whole length is the ring), copying by `memcpy` when given. */
  constructor(u8: Uint8Array, memcpy: Memcpy | null = null) {
    this.#u8 = u8;
    this.#capacity = u8.length;
    this.#fast = memcpy === null ? null : new RingCopies(u8, memcpy);
  }

  /** Copies `n` bytes at position `pos` of the ring into `dst` at `to`, wrapping. */
  copy(pos: number, dst: Uint8Array, to: number, n: number): void {
    const u8 = this.#u8;
    const first = this.#capacity - pos;
    if (n <= 64) {
      const mask = this.#capacity - 1;
      for (let i = 0; i < n; i++) dst[to + i] = u8[(pos + i) & mask];
    } else if (n <= first) {
      if (!this.#fast?.fromRing(pos, dst, to, n)) dst.set(this.#view(pos, n), to);
    } else {
      if (!this.#fast?.fromRing(pos, dst, to, first)) dst.set(u8.subarray(pos, this.#capacity), to);
      if (!this.#fast?.fromRing(0, dst, to + first, n - first)) dst.set(u8.subarray(0, n - first), to + first);
    }
  }

  /**
   * A view of bytes [pos, pos + n) of the ring, kept once a payload of that
   * length has lain there twice: sizes that recur are read through kept
   * views, and sizes that vary keep none (one per 64 bytes of ring would be
   * ~1.8 MB for a 1 MiB ring).
   */
  #view(pos: number, n: number): Uint8Array {
    const views = this.#views ??= new Array(this.#capacity >>> 6);
    const i = pos >>> 6;
    const v = views[i];
    if (v !== undefined && v.length === n && v.byteOffset === this.#u8.byteOffset + pos) return v;
    const seen = this.#seen ??= new Int32Array(this.#capacity >>> 6);
    const nv = this.#u8.subarray(pos, pos + n);
    if (seen[i] === n) views[i] = nv;
    else {
      seen[i] = n;
      views[i] = undefined; // a view of another length is let go
    }
    return nv;
  }
}

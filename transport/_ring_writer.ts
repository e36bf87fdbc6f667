// The producer's copies into a ring's byte ring (ring.ts), with the pointers into it they keep.

import { type Memcpy, RingCopies } from "./_memcpy.ts";

/**
 * Copies bytes into a byte ring of `capacity` bytes (a power of two) seen as
 * `u8`: payloads of MEMCPY_MIN (256) bytes or more by libc's memcpy where FFI is allowed
 * (_memcpy.ts), else by `set`.
 */
export class RingWriter {
  readonly #u8: Uint8Array;
  readonly #capacity: number;
  /** The copies by memcpy; null: `set` copies. */
  readonly #fast: RingCopies | null;

  /** A writer of the byte ring `u8` (its whole length is the ring), copying by `memcpy` when given. */
  constructor(u8: Uint8Array, memcpy: Memcpy | null = null) {
    this.#u8 = u8;
    this.#capacity = u8.length;
    this.#fast = memcpy === null ? null : new RingCopies(u8, memcpy);
  }

  /** Copies `n` bytes of `src` from `from` to position `pos` of the ring, wrapping. */
  copy(pos: number, src: Uint8Array, from: number, n: number): void {
    const u8 = this.#u8;
    const first = this.#capacity - pos;
    if (n <= 64) {
      const mask = this.#capacity - 1;
      for (let i = 0; i < n; i++) u8[(pos + i) & mask] = src[from + i];
    } else if (n <= first) {
      if (!this.#fast?.toRing(pos, src, from, n)) {
        u8.set(from === 0 && n === src.byteLength ? src : src.subarray(from, from + n), pos); // a view costs ~10 ns
      }
    } else {
      if (!this.#fast?.toRing(pos, src, from, first)) u8.set(src.subarray(from, from + first), pos);
      if (!this.#fast?.toRing(0, src, from + first, n - first)) u8.set(src.subarray(from + first, from + n), 0);
    }
  }
}

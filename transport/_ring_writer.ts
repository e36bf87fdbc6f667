// The producer's copies into a ring's byte ring (ring.ts), with the pointers into it they keep.

import { type Memcpy, MEMCPY_ANY, MEMCPY_MIN, RingPointers } from "./_memcpy.ts";

/**
 * Copies bytes into a byte ring of `capacity` bytes (a power of two) seen as
 * `u8`: payloads of MEMCPY_MIN (256) bytes or more by libc's memcpy where FFI is allowed
 * (_memcpy.ts), else by `set`.
 */
export class RingWriter {
  readonly #u8: Uint8Array;
  readonly #capacity: number;
  /** memcpy, and the ring positions it copies to; null: `set` copies. */
  readonly #memcpy: Memcpy | null;
  #pointers: RingPointers | null = null; // made when first needed: most rings of a large job never carry one

  /** A writer of the byte ring `u8` (its whole length is the ring), copying by `memcpy` when given. */
  constructor(u8: Uint8Array, memcpy: Memcpy | null = null) {
    this.#u8 = u8;
    this.#capacity = u8.length;
    this.#memcpy = memcpy;
  }

  /** Copies `n` bytes of `src` from `from` to position `pos` of the ring, wrapping. */
  copy(pos: number, src: Uint8Array, from: number, n: number): void {
    const u8 = this.#u8;
    const first = this.#capacity - pos;
    if (n <= 64) {
      const mask = this.#capacity - 1;
      for (let i = 0; i < n; i++) u8[(pos + i) & mask] = src[from + i];
    } else if (n <= first) {
      if (!this.#byMemcpy(pos, src, from, n)) {
        u8.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), pos); // a view costs ~10 ns
      }
    } else {
      if (!this.#byMemcpy(pos, src, from, first)) u8.set(src.subarray(from, from + first), pos);
      if (!this.#byMemcpy(0, src, from + first, n - first)) u8.set(src.subarray(from + first, from + n), 0);
    }
  }

  /** Copies `n` bytes of `src` from `from` to `pos` by memcpy when that is cheap here; false when not copied. */
  #byMemcpy(pos: number, src: Uint8Array, from: number, n: number): boolean {
    const m = this.#memcpy;
    // The bounds memcpy does not check (`set` throws instead).
    if (m === null || n < MEMCPY_MIN || (from !== 0 && n < MEMCPY_ANY) || from + n > src.byteLength) return false;
    const dst = (this.#pointers ??= new RingPointers(this.#u8, m)).at(pos, n);
    if (dst === null) return false;
    m.copy(dst, m.at(src, from), n);
    return true;
  }
}

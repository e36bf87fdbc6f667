// Word views of byte arrays, and copying small payloads into and out of ring cells a word at a time (ring.ts).

/** An Int32Array over a byte array's whole words, made once for an array copied again and again. */
export class WordView {
  #bytes: Uint8Array | null = null;
  #words: Int32Array = new Int32Array(0);

  /** The words of `b` (whose byteOffset is a multiple of 4). */
  of(b: Uint8Array): Int32Array {
    // Arithmetic, not `>> 2` (32-bit: negative from 2 GiB), and byteLength, not `length` (which V8 15.0's Maglev
    // compares as a negative int32 from 2^31).
    if (b !== this.#bytes || this.#words.byteLength !== b.byteLength - (b.byteLength % 4)) {
      this.#bytes = b;
      this.#words = new Int32Array(b.buffer, b.byteOffset, Math.floor(b.byteLength / 4));
    }
    return this.#words;
  }

  /**
   * Copies `len` bytes of `src` (from its start) to byte `at` (a multiple of
   * 4) of a cell area seen as bytes `cb` and words `cw`: a word at a time
   * when `src` is aligned (a byte loop over 64 bytes takes ~26 ns, words ~7,
   * `set` ~23 with the view it needs). This view caches `src`'s words.
   */
  copyIn(cb: Uint8Array, cw: Int32Array, at: number, src: Uint8Array, len: number): void {
    if (len <= 16 || (src.byteOffset & 3) !== 0) {
      for (let i = 0; i < len; i++) cb[at + i] = src[i];
      return;
    }
    const words = this.of(src);
    const n4 = len >> 2;
    const to = at >> 2;
    for (let i = 0; i < n4; i++) cw[to + i] = words[i];
    for (let i = n4 << 2; i < len; i++) cb[at + i] = src[i];
  }

  /** Copies `n` bytes at byte `at` of the cell area (`cb`, `cw`) to `dst` from byte `to`, as `copyIn`. */
  copyOut(cb: Uint8Array, cw: Int32Array, at: number, dst: Uint8Array, to: number, n: number): void {
    if (n <= 16 || ((dst.byteOffset | to) & 3) !== 0) {
      for (let i = 0; i < n; i++) dst[to + i] = cb[at + i];
      return;
    }
    const words = this.of(dst);
    const n4 = n >> 2;
    const from = at >> 2;
    const t4 = to / 4; // a multiple of 4 (checked above); not `>> 2`, which is 32-bit
    for (let i = 0; i < n4; i++) words[t4 + i] = cw[from + i];
    for (let i = n4 << 2; i < n; i++) dst[to + i] = cb[at + i];
  }
}

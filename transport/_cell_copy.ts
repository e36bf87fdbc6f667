// Copies of payloads into and out of a ring's header cells (ring.ts): by libc's memcpy from MEMCPY_IN_CELL bytes,
// through the cell's address made at its first use; shorter ones a word at a time (_word_view.ts).

import { type Memcpy, MEMCPY_IN_CELL, type Pointer } from "./_memcpy.ts";
import { WordView } from "./_word_view.ts";

/** Bytes of a cell before its payload (the header words). */
export const CELL_HEADER_BYTES = 32;

/** The payload copies of one ring's cells. Each branch that is not a word copy is out of line, so this inlines. */
export class CellCopy {
  readonly #cb: Uint8Array;
  readonly #cw: Int32Array;
  readonly #cellWords: number;
  readonly #memcpy: Memcpy | null;
  /** Word views of the arrays last copied into a cell and out of one. */
  readonly #srcWords: WordView = new WordView();
  readonly #dstWords: WordView = new WordView();
  /** The addresses of the cells' payloads, made when first used. */
  #ptrs: (Pointer | null)[] | null = null;

  /** The copies of the cells `cb` (bytes) and `cw` (words), of `cellWords` words each; by `memcpy` when given. */
  constructor(cb: Uint8Array, cw: Int32Array, cellWords: number, memcpy: Memcpy | null) {
    this.#cb = cb;
    this.#cw = cw;
    this.#cellWords = cellWords;
    this.#memcpy = memcpy;
  }

  /** Copies `bytes` (no longer than a cell's payload) into the cell at word `c`. */
  toCell(c: number, bytes: Uint8Array): void {
    const len = bytes.byteLength;
    if (this.#memcpy !== null && len >= MEMCPY_IN_CELL) this.#memcpyTo(c, bytes);
    else this.#srcWords.copyIn(this.#cb, this.#cw, c * 4 + CELL_HEADER_BYTES, bytes, len);
  }

  /** Copies `n` bytes of the payload of the cell at word `c` into `dst` from byte `to`. */
  fromCell(c: number, dst: Uint8Array, to: number, n: number): void {
    if (this.#memcpy !== null && n >= MEMCPY_IN_CELL && to === 0 && n <= dst.byteLength) this.#memcpyFrom(c, dst, n);
    else this.#dstWords.copyOut(this.#cb, this.#cw, c * 4 + CELL_HEADER_BYTES, dst, to, n);
  }

  #memcpyTo(c: number, bytes: Uint8Array): void {
    const m = this.#memcpy!;
    m.copy(this.#address(c), m.of(bytes), bytes.byteLength);
  }

  #memcpyFrom(c: number, dst: Uint8Array, n: number): void {
    const m = this.#memcpy!;
    m.copy(m.of(dst), this.#address(c), n);
  }

  /** The address of the payload of the cell at word `c`, made at its first use. */
  #address(c: number): Pointer {
    const ptrs = this.#ptrs ??= new Array(this.#cb.byteLength / (this.#cellWords * 4)).fill(null);
    return ptrs[c / this.#cellWords] ??= this.#memcpy!.address(this.#cb.subarray(c * 4 + CELL_HEADER_BYTES));
  }
}

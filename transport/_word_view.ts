// Word views of byte arrays, for copying small payloads a word at a time (ring.ts).

/** An Int32Array over a byte array's whole words, made once for an array copied again and again. */
export class WordView {
  #bytes: Uint8Array | null = null;
  #words: Int32Array = new Int32Array(0);

  /** The words of `b` (whose byteOffset is a multiple of 4). */
  of(b: Uint8Array): Int32Array {
    if (b !== this.#bytes || this.#words.length !== b.byteLength >> 2) {
      this.#bytes = b;
      this.#words = new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
    }
    return this.#words;
  }
}

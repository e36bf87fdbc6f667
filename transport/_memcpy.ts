// Payload copies between typed arrays and the shared byte rings by libc's memcpy through Deno FFI
// (_ring_reader.ts, _ring_writer.ts), and the pointers they copy between, kept.
//
// Why: V8 copies into and out of a SharedArrayBuffer a word at a time (relaxed atomics: `set` takes ~24 ns per KiB
// in cache), and between two cores the payload's cache lines move under those 8-byte stores and loads. memcpy moves
// them 32 bytes at a time. Measured on two workers ping-ponging through shared memory, one way: 1 KiB 0.14-0.15 us
// with `set` on both sides, 0.087-0.096 with memcpy; 256 B 0.090 against 0.065. A fast FFI call costs ~5 ns when its
// arguments are pointer objects made before, so the pointers are kept: a typed array's (this file's `Memcpy.of`,
// by identity) and a ring position's (`RingPointers`).

import { type Libc, libc } from "./_libc.ts";

/** A pointer object (Deno FFI). */
export type Pointer = Deno.PointerObject;

/**
 * Payloads shorter than this are copied by `set`: through the API, 2 ranks
 * one way, memcpy gained nothing at 128 and 256 bytes and 7-13 ns at 512.
 * It also keeps every array memcpy touches off V8's heap, where the garbage
 * collector moves typed arrays of up to 64 bytes.
 */
export const MEMCPY_MIN = 256;
/**
 * Payloads in a header cell (ring.ts) of at least this many bytes are
 * copied by memcpy: a cell's pointer is kept per cell, found at once. (65:
 * no array of 64 bytes or less, which V8 may keep on its moving heap.)
 * Through the API, 2 ranks one way: 128 B 0.13-0.15 us in the byte ring,
 * 0.109-0.117 in a cell; 256 B 0.13-0.145 against 0.113-0.136.
 */
export const MEMCPY_IN_CELL = 65;
/**
 * Payloads at least this long are copied by memcpy even when a pointer must
 * be made for the copy (~40 ns: a ring position seen for the first time, an
 * offset into an array); shorter ones then take `set`.
 */
export const MEMCPY_ANY = 4096;
/** Arrays whose pointers a `Memcpy` keeps (the last ones copied from or into). */
const KEPT = 4;
/** Arrays longer than this are not kept (their address is taken for each copy, ~20 ns): a kept array stays alive. */
const KEPT_MAX_BYTES = 65536;

/**
 * libc's memcpy, with the pointers of the last few arrays it copied kept.
 * One per rank, shared by its rings: at most {@linkcode KEPT} arrays of up
 * to {@linkcode KEPT_MAX_BYTES} are held. memcpy checks no bounds: its
 * callers check each copy against the array's length at the time of the
 * copy (an array may shrink or be detached between the pieces of a
 * message), and leave a copy that does not fit to `set`, which throws.
 */
export class Memcpy {
  readonly #copy: Libc["memcpy"];
  readonly #address: Libc["address"];
  readonly #arrays: (Uint8Array | null)[] = new Array(KEPT).fill(null);
  readonly #lengths: number[] = new Array(KEPT).fill(0);
  readonly #pointers: (Pointer | null)[] = new Array(KEPT).fill(null);
  #next = 0;
  /** The length copied last, and as a BigInt. */
  #n = 0;
  #bigN = 0n;

  /** Copies made. */
  copies = 0;
  /** Make a ring position's pointer at its first use rather than its second (for tests: every copy by memcpy). */
  readonly eager: boolean;

  private constructor(c: Libc, eager: boolean) {
    this.#copy = c.memcpy;
    this.#address = c.address;
    this.eager = eager;
  }

  /** A `Memcpy` where FFI is allowed and libc found, else null (the rings then copy with `set`). */
  static load(eager = false): Memcpy | null {
    const c = libc();
    return c === null ? null : new Memcpy(c, eager);
  }

  /** Copies `n` bytes from `src` to `dst` (which must not overlap). */
  copy(dst: Pointer, src: Pointer, n: number): void {
    if (n !== this.#n) {
      this.#n = n;
      this.#bigN = BigInt(n); // a conversion costs a few ns and an allocation: sizes recur
    }
    this.#copy(dst, src, this.#bigN);
    this.copies = (this.copies + 1) | 0;
  }

  /**
   * The address of `a`'s first byte, kept for the last {@linkcode KEPT}
   * arrays. `a` must be longer than 64 bytes: V8 keeps shorter typed arrays
   * on its heap, where the garbage collector moves them; longer ones have a
   * backing store that does not move while `a` holds it. A detached or
   * resized array has another length, so its kept pointer is not reused.
   */
  of(a: Uint8Array): Pointer {
    const len = a.byteLength;
    if (len > KEPT_MAX_BYTES) return this.address(a);
    const arrays = this.#arrays;
    for (let i = 0; i < KEPT; i++) {
      if (arrays[i] === a) {
        if (this.#lengths[i] === len) return this.#pointers[i]!;
        return this.#keep(i, a);
      }
    }
    const i = this.#next;
    this.#next = (i + 1) % KEPT;
    return this.#keep(i, a);
  }

  #keep(i: number, a: Uint8Array): Pointer {
    const p = this.address(a);
    this.#arrays[i] = a;
    this.#lengths[i] = a.byteLength;
    this.#pointers[i] = p;
    return p;
  }

  /** The address of byte `at` of `a` (as `of`; an offset costs a new pointer object, ~40 ns). */
  at(a: Uint8Array, at: number): Pointer {
    return at === 0 ? this.of(a) : Deno.UnsafePointer.offset(this.of(a), at)!;
  }

  /** The address of `a`'s first byte, not kept (`a` longer than 64 bytes, or in a SharedArrayBuffer). */
  address(a: Uint8Array): Pointer {
    return this.#address(a, a, 0n)!;
  }
}

/**
 * Pointers to positions of a byte ring (a SharedArrayBuffer, whose memory
 * never moves), kept for a position once a payload has started there twice:
 * whole payloads of a recurring size lie at the same positions cycle after
 * cycle (ring.ts `skipFor`), and sizes that vary keep few.
 */
export class RingPointers {
  readonly #u8: Uint8Array;
  readonly #memcpy: Memcpy;
  /**
   * Kept pointers by position / 256: a payload copied by memcpy is at least
   * {@linkcode MEMCPY_MIN} (256) bytes long, so one starts per 256 bytes.
   * 12 bytes a slot: 48 KiB for a 1 MiB ring (and the pointers made).
   */
  readonly #kept: (Pointer | null)[];
  /** By position / 256: position + 1 of the kept pointer, or −(position + 1) of a position seen once, or 0. */
  readonly #at: Int32Array;

  /** Pointers into the ring `u8` (its whole length is the ring), made by `memcpy`. */
  constructor(u8: Uint8Array, memcpy: Memcpy) {
    this.#u8 = u8;
    this.#memcpy = memcpy;
    const slots = Math.ceil(u8.length / 256);
    this.#kept = new Array(slots).fill(null);
    this.#at = new Int32Array(slots);
  }

  /**
   * A pointer to position `pos`, for a copy of `n` bytes there: the kept one,
   * a new one (kept) when a payload started there before or `n` is at least
   * {@linkcode MEMCPY_ANY}, else null (the caller copies with `set`).
   */
  at(pos: number, n: number): Pointer | null {
    const i = pos >>> 8;
    return this.#at[i] === pos + 1 ? this.#kept[i] : this.#make(i, pos, n);
  }

  #make(i: number, pos: number, n: number): Pointer | null {
    if (this.#at[i] !== -(pos + 1) && n < MEMCPY_ANY && !this.#memcpy.eager) {
      this.#at[i] = -(pos + 1); // seen once
      return null;
    }
    const p = this.#memcpy.address(this.#u8.subarray(pos, pos + 1));
    this.#kept[i] = p;
    this.#at[i] = pos + 1;
    return p;
  }
}

/**
 * memcpy copies into and out of one byte ring (_ring_writer.ts, _ring_reader.ts), where they are cheap: payloads of
 * {@linkcode MEMCPY_MIN} bytes or more, at a kept ring position (or {@linkcode MEMCPY_ANY} bytes or more), within
 * the array's bounds as they are now. Each method returns false, having copied nothing, where the caller should copy
 * with `set` instead (which throws where the array is too short).
 */
export class RingCopies {
  readonly #u8: Uint8Array;
  readonly #memcpy: Memcpy;
  #pointers: RingPointers | null = null; // made when first needed: most rings of a large job never carry one

  /** Copies into and out of the ring `u8` (its whole length is the ring) by `memcpy`. */
  constructor(u8: Uint8Array, memcpy: Memcpy) {
    this.#u8 = u8;
    this.#memcpy = memcpy;
  }

  /** Copies `n` bytes of `src` from `from` to ring position `pos`; false when not copied. */
  toRing(pos: number, src: Uint8Array, from: number, n: number): boolean {
    if (n < MEMCPY_MIN || (from !== 0 && n < MEMCPY_ANY) || from + n > src.byteLength) return false;
    const dst = (this.#pointers ??= new RingPointers(this.#u8, this.#memcpy)).at(pos, n);
    if (dst === null) return false;
    this.#memcpy.copy(dst, this.#memcpy.at(src, from), n);
    return true;
  }

  /**
   * Copies `n` bytes at ring position `pos` into `dst` at `to`; false when not copied (as where `dst` has shrunk or
   * been detached since its message was matched).
   */
  fromRing(pos: number, dst: Uint8Array, to: number, n: number): boolean {
    if (n < MEMCPY_MIN || (to !== 0 && n < MEMCPY_ANY) || to + n > dst.byteLength) return false;
    const src = (this.#pointers ??= new RingPointers(this.#u8, this.#memcpy)).at(pos, n);
    if (src === null) return false;
    this.#memcpy.copy(this.#memcpy.at(dst, to), src, n);
    return true;
  }
}

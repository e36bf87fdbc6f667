// What the buffer collectives (`allreduceInto`, `gatherInto`, ...; the
// `_into_*.ts` files) share: reusable memory, byte views of the caller's
// arrays, the checks of what arrived, poison markers, and combining in rank
// order.
//
// Nothing here allocates per call in steady state. Scratch memory is one
// growing ArrayBuffer per communicator, with its typed and byte views
// cached while the type and length stay; byte views of the caller's arrays
// are cached by array in WeakMaps (so they never keep an array alive).
//
// Messages are typed-array bytes sent as they are (`Coll.sendBytes`), and
// received straight into their destination (`Coll.recvBytes`, ANY_TAG from
// a known partner: a pair of ranks exchanges its messages in order). What
// arrived says whether the ranks agree: its tag (this collective's, a poison
// marker's, or another collective's), its kind (the sender's element type)
// and its byte count (the sender's length). So a call that succeeds costs no
// extra round. A rank that finds a disagreement (or whose own arguments are
// wrong) keeps to the exchange pattern but sends poison markers instead of
// data (`_fault.ts`); in rooted calls each marker is followed by the error
// itself ({@linkcode Bad}), since there is no later round in which all
// ranks could share it.

import { IN_PLACE } from "../constants.ts";
import type { Coll } from "./_coll.ts";
import { type Bad, MARKER, rankList } from "./_fault.ts";
import { combineInto, MAX, MIN, type Op, PROD, SUM } from "../ops.ts";
import { SpmdError } from "../errors.ts";
import {
  ELEMENT_BYTES,
  elementCount,
  KIND_UINT8,
  type NumericArray,
  typedCtor,
  typedName,
} from "../transport/typed.ts";
import { T_POISON } from "../transport/calls.ts";
import type { Incoming, PendingOp } from "../transport/transport.ts";
import { algorithms, forcedBy } from "./_forced.ts";

/** A receive buffer of no bytes: takes, and drops, whatever comes (a rank that has failed receives into it). */
export const NOWHERE: Uint8Array = new Uint8Array(0);

/** The built-in typed-array constructor of kind `kind` (Uint8Array for the others: DataView, and Float16 where absent). */
function ctorOf(kind: number): new (b: ArrayBufferLike, offset: number, length: number) => NumericArray {
  return (typedCtor(kind) ?? Uint8Array) as unknown as new (b: ArrayBufferLike, o: number, n: number) => NumericArray;
}

/** Byte views of a caller's array, by block: [block bytes, views by start · (count limit) + count]. */
interface Spans {
  whole: Uint8Array | null;
  block: number;
  readonly map: Map<number, Uint8Array>;
}

const spansOf = new WeakMap<ArrayBufferView, Spans>();

function spansFor(a: ArrayBufferView): Spans {
  let s = spansOf.get(a);
  if (s === undefined) {
    s = { whole: null, block: -1, map: new Map() };
    spansOf.set(a, s);
  }
  return s;
}

/** A Uint8Array over all of `a`'s bytes (`a` itself for a plain Uint8Array), cached. */
export function bytesOfArray(a: ArrayBufferView): Uint8Array {
  if (a.constructor === Uint8Array) return a as Uint8Array;
  const s = spansFor(a);
  const w = s.whole;
  if (w !== null && w.byteLength === a.byteLength && w.buffer === a.buffer) return w;
  return s.whole = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A Uint8Array over blocks `start` .. `start + count − 1` of `a`, whose
 * blocks are `block` bytes each (at most 65536 blocks), cached.
 */
export function blockBytes(a: ArrayBufferView, block: number, start: number, count: number): Uint8Array {
  const s = spansFor(a);
  if (s.block !== block) {
    s.block = block;
    s.map.clear();
  }
  const key = start * 65537 + count;
  const v = s.map.get(key);
  if (v !== undefined && v.buffer === a.buffer && v.byteLength === block * count) return v;
  const nv = new Uint8Array(a.buffer, a.byteOffset + start * block, block * count);
  s.map.set(key, nv);
  return nv;
}

/** Reusable memory of one communicator's buffer calls. */
export class IntoState {
  /** Pending operations of the current call (reused; cleared as they complete). */
  readonly ops: PendingOp[] = [];
  #buf = new ArrayBuffer(0);
  readonly #typed: (NumericArray | null)[] = [];
  readonly #bytes: (Uint8Array | null)[] = [];

  /**
   * A typed view (of kind `kind`) of `n` elements of scratch memory, slot
   * `slot`: slots of one call never overlap as long as it asks for the same
   * `n` in each (the views stay the same from call to call while the kind
   * and `n` do).
   */
  scratch(kind: number, n: number, slot: number): NumericArray {
    const bytes = n * ELEMENT_BYTES[kind];
    const stride = Math.ceil(bytes / 64) * 64; // not `(bytes + 63) & ~63`: 32-bit, negative from 2 GiB
    const off = slot * stride;
    const t = this.#typed[slot];
    if (
      t !== null && t !== undefined && t.buffer === this.#buf && t.byteOffset === off && t.length === n &&
      t.constructor === ctorOf(kind)
    ) return t;
    if (this.#buf.byteLength < off + stride) {
      this.#buf = new ArrayBuffer(Math.max(off + stride, 2 * this.#buf.byteLength));
      this.#typed.fill(null);
      this.#bytes.fill(null);
    }
    const v = new (ctorOf(kind))(this.#buf, off, n);
    this.#typed[slot] = v;
    this.#bytes[slot] = new Uint8Array(this.#buf, off, bytes);
    return v;
  }

  /**
   * Makes room for `slots` slots of `n` elements of kind `kind` at once, so
   * that taking them one by one never moves views already taken. Call it
   * first in a call that takes several.
   */
  reserve(kind: number, n: number, slots: number): void {
    const need = slots * ((n * ELEMENT_BYTES[kind] + 63) & ~63);
    if (this.#buf.byteLength >= need) return;
    this.#buf = new ArrayBuffer(Math.max(need, 2 * this.#buf.byteLength));
    this.#typed.fill(null);
    this.#bytes.fill(null);
  }

  /** The bytes of the view the last `scratch(…, slot)` returned. */
  scratchBytes(slot: number): Uint8Array {
    return this.#bytes[slot]!;
  }
}

const states = new WeakMap<Coll, IntoState>();

/** The buffer calls' memory of communicator `c`. */
export function stateOf(c: Coll): IntoState {
  let s = states.get(c);
  if (s === undefined) {
    s = new IntoState();
    states.set(c, s);
  }
  return s;
}

// ---- what arrived --------------------------------------------------------------

/** The message is the data expected (tag, kind and byte count). */
export const GOT_DATA = 0;
/** A poison marker: the sender knows the call fails. */
export const GOT_POISON = 1;
/** Data of this collective that does not fit what this rank passed (another kind or length). */
export const GOT_WRONG = 2;

/**
 * Classifies message `m` from `src`, expected with `tag`, of kind `kind`
 * and `bytes` bytes. A message of another collective (a tag that neither
 * `tag`, nor T_POISON, nor one `accepts` takes) throws as mismatched
 * collectives.
 */
export function classify(
  c: Coll,
  m: Incoming,
  src: number,
  tag: number,
  kind: number,
  bytes: number,
  accepts: ((tag: number) => boolean) | null = null,
): number {
  const t = m.tag;
  if (t === tag) return m.kind === kind && m.length === bytes ? GOT_DATA : GOT_WRONG;
  if (t === T_POISON) return GOT_POISON;
  if (accepts !== null && accepts(t)) return GOT_WRONG;
  throw c.mismatch(src, t);
}

/** "Float64Array(4)" for a typed message of `bytes` bytes, `per` blocks; another kind says so. */
export function arrivedLabel(kind: number, bytes: number, per = 1): string {
  const name = typedName(kind);
  if (name === null || kind === 12) return "a message that is not a typed array";
  const n = bytes / ELEMENT_BYTES[kind] / per;
  return Number.isInteger(n) ? `${name}(${n})` : `${bytes} bytes of ${name}`;
}

/** "Float64Array(4)": the label of `n` elements of kind `kind`. */
export function label(kind: number, n: number): string {
  return `${typedName(kind) ?? "?"}(${n})`;
}

/** "rank 3" or "ranks 3-4, 0" for the `count` ranks from `first` on (mod `size`). */
export function ranksFrom(first: number, count: number, size: number): string {
  if (count === 1) return `rank ${first}`;
  const rs: number[] = [];
  for (let i = 0; i < count; i++) rs.push((first + i) % size);
  rs.sort((a, b) => a - b);
  return rankList(rs);
}

// ---- poison, for rooted calls ----------------------------------------------------

/** Sends a poison marker followed by the error itself (rooted calls: the receiver throws it). */
export function sendPoison(c: Coll, dest: number, bad: Bad): void {
  c.sendBytes(KIND_UINT8, MARKER, dest, T_POISON);
  c.send(bad, dest, T_POISON);
}

/** Sends a poison marker alone (calls whose ranks all learn of the failure and share the error at the end). */
export function sendMarker(c: Coll, dest: number): void {
  c.sendBytes(KIND_UINT8, MARKER, dest, T_POISON);
}

/** Takes the error that follows a poison marker from `src` (rooted calls). */
export function takePoison(c: Coll, src: number): Bad {
  return c.recv(src, T_POISON) as Bad;
}

/** `bad`, a rank's own argument error, as the ranks of a rooted call pass it on: naming that rank. */
export function ofRank(bad: Bad, rank: number): Bad {
  return { message: `${bad.message} (rank ${rank})`, code: bad.code };
}

/**
 * The whole of a buffer collective on a communicator of one rank: this
 * rank's own error, else `src` copied into `dst` (nothing to copy when
 * either is IN_PLACE or null).
 */
export function alone(
  c: Coll,
  bad: Bad | null,
  dst: NumericArray | typeof IN_PLACE | null,
  src: NumericArray | typeof IN_PLACE | null,
): void {
  if (bad !== null) throw thrown(c, bad);
  if (dst !== null && src !== null && dst !== IN_PLACE && src !== IN_PLACE) copyInto(dst, src);
}

/** `bad`'s error as this collective's (the message carries no call name). */
export function thrown(c: Coll, bad: Bad): SpmdError {
  return c.error(bad.message, bad.code);
}

// ---- combining in rank order ---------------------------------------------------------

/**
 * `acc = acc op other` when `otherIsLower` is false, `acc = other op acc`
 * when it is true: operands always in rank order (lower ranks on the left),
 * so that two ranks that combine the same partial results get the same
 * bits (MAX and MIN on NaN or signed zeros, user ops that are not
 * commutative). Both are typed arrays of one type and length.
 */
export function combineOrdered(
  call: string,
  op: Op,
  acc: NumericArray,
  other: NumericArray,
  otherIsLower: boolean,
): void {
  if (!otherIsLower) return combineInto(call, op, acc, other);
  const n = acc.length;
  const x = acc as Float64Array;
  const y = other as Float64Array;
  switch (op) {
    case SUM:
      for (let i = 0; i < n; i++) x[i] = y[i] + x[i];
      return;
    case PROD:
      if (acc instanceof Int32Array || acc instanceof Uint32Array) {
        for (let i = 0; i < n; i++) x[i] = Math.imul(y[i], x[i]); // 32-bit products wrap as in C
      } else for (let i = 0; i < n; i++) x[i] = y[i] * x[i];
      return;
    case MAX: // MAX(a, b) = b > a ? b : a, with a = y (lower) and b = x
      for (let i = 0; i < n; i++) if (!(x[i] > y[i])) x[i] = y[i];
      return;
    case MIN:
      for (let i = 0; i < n; i++) if (!(x[i] < y[i])) x[i] = y[i];
      return;
  }
  if (op.family === "user") {
    const r = op.fn(other, acc) as NumericArray;
    if (!ArrayBuffer.isView(r) || elementCount(r) !== n) {
      throw new SpmdError(`${call}: user op ${op.name} must return a typed array of length ${n}`, "MPI_ERR_OP");
    }
    if (r !== acc) (acc as Float64Array).set(r as Float64Array);
    return;
  }
  // The logical and bitwise ops are commutative on every value.
  combineInto(call, op, acc, other);
}

// ---- forcing -------------------------------------------------------------------

/**
 * The reader of `SPMD_COLL_<OPERATION>` for a buffer call, with the choices
 * that the operation's selector registered (so a name means the same to
 * both, and a wrong one fails both alike). The selector
 * (`<operation>/select.ts`) must be loaded first: import from it.
 */
export function forcedAs(operation: string): (call: string) => string | null {
  const choices = algorithms[operation];
  if (choices === undefined) throw new Error(`internal: the selector of ${operation} is not loaded`);
  return forcedBy(operation, choices);
}

/** `dst.set(src)` for two typed arrays of one kind (numbers or bigints alike). */
export function copyInto(dst: NumericArray, src: NumericArray): void {
  (dst as Float64Array).set(src as Float64Array);
}

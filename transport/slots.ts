/**
 * Collective slots: shared-memory rounds for the collectives of
 * communicators that span every rank of the job (the world and its
 * duplicates).
 *
 * ## Protocol
 * Every rank owns two slots (shm_layout.ts), written only by itself. A
 * *round* is one collective call on every rank: a rank writes its
 * contribution into its slot `round & 1`, then its header, and publishes
 * the round number last with `Atomics.store`; it then waits until every
 * other rank has published the same round, reads their headers (and data)
 * and leaves. So a round is also a barrier.
 *
 * Two slots are enough: a rank that publishes round g + 2 into the slot of
 * round g has seen every rank publish round g + 1, which each does only
 * after it has read everything of round g. No reader ever sees a slot
 * change under it, and no writer waits for readers. Publishing wakes the
 * ranks that sleep (wait.ts).
 *
 * The header carries what must agree between ranks — the call, the
 * communicator's context, the kind and byte length of the data, the op and
 * a "bad input" flag — so that every rank sees every disagreement in the
 * same round and all can fail alike.
 *
 * ```text
 * word 0  round (published last)   word 4-5  byte length (float64)
 * word 1  context                  word 6    op code
 * word 2  call code                word 7    flags
 * word 3  kind (codec.ts; 0 none)  byte 32.. data (SLOT_DATA_BYTES)
 * ```
 *
 * @module
 */

import { type ShmLayout, SLOT_DATA_BYTES, SLOT_HEADER_BYTES, SLOT_STRIDE } from "./shm_layout.ts";
import { ELEMENT_BYTES, typedCtor } from "./typed.ts";
import { relaxSometimes, ringAfterStore as wake } from "./wait.ts";

const STRIDE_WORDS = SLOT_STRIDE >> 2;
/** Header word: context. */
const S_CONTEXT = 1;
/** Header word: call code. */
const S_CALL = 2;
/** Header word: kind. */
const S_KIND = 3;
/** Header float64 (word 4): byte length. */
const S_LENGTH_F64 = 2;
/** Header word: op code. */
const S_OP = 6;
/** Header word: flags. */
const S_FLAGS = 7;

/** The header a rank published in a round. */
export interface SlotHeader {
  /** Communicator context. */
  context: number;
  /** Call code (calls.ts). */
  call: number;
  /** Kind of the data (codec.ts), 0 for none. */
  kind: number;
  /** Byte length of the data (it may exceed the slot: then it travels otherwise). */
  length: number;
  /** Op code. */
  op: number;
  /** Flags (caller-defined; nonzero marks a bad input). */
  flags: number;
}

/**
 * One rank's view of every rank's collective slots. The waiting is the
 * transport's: `sync` runs its one wait loop, which keeps every ring moving.
 */
export class Slots {
  /** This rank. */
  readonly rank: number;
  /** Number of ranks. */
  readonly size: number;
  /** Data bytes of one slot: the largest contribution carried in a slot. */
  readonly capacity: number = SLOT_DATA_BYTES;
  readonly #sab: SharedArrayBuffer;
  readonly #ctl: Int32Array;
  readonly #base: number;
  readonly #headF64: Float64Array;
  readonly #views: (ArrayBufferView | null)[] = [];
  readonly #wait: () => void;
  readonly #live: () => void;
  readonly #doorbell: number;
  readonly #spins: number;
  #round = 0;
  #next = 0;

  /**
   * Views the slots of `layout`; `wait` blocks until {@linkcode Slots.poll}
   * is true; `live` throws when the endpoint may no longer be used; `spins`
   * bounds the tight poll of `sync` before it calls `wait`.
   */
  constructor(
    sab: SharedArrayBuffer,
    layout: ShmLayout,
    rank: number,
    wait: () => void,
    live: () => void,
    spins = 0,
  ) {
    this.#sab = sab;
    this.rank = rank;
    this.size = layout.size;
    this.#ctl = new Int32Array(sab, 0, layout.ctlWords);
    this.#base = layout.slotWord;
    this.#headF64 = new Float64Array(sab, layout.slotWord * 4, (layout.size * 2 * SLOT_STRIDE) >> 3);
    this.#wait = wait;
    this.#live = live;
    this.#doorbell = layout.doorbellWord;
    this.#spins = spins;
  }

  /** Word index of rank `r`'s slot for the current round. */
  #slot(r: number): number {
    return this.#base + (2 * r + (this.#round & 1)) * STRIDE_WORDS;
  }

  /**
   * A view of typed kind `kind` (its built-in constructor, never a
   * caller's subclass) over every slot (all ranks, both parities), made once
   * per kind; {@linkcode Slots.dataIndex} gives where a rank's data starts
   * in it.
   */
  view(kind: number): ArrayBufferView {
    let v = this.#views[kind];
    if (v === undefined || v === null) {
      const bpe = ELEMENT_BYTES[kind];
      const ctor = typedCtor(kind);
      if (ctor === null) throw new RangeError(`Slots.view: no typed-array kind ${kind}`);
      v = new (ctor as unknown as new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView)(
        this.#sab,
        this.#base * 4,
        (this.size * 2 * SLOT_STRIDE) / bpe,
      );
      this.#views[kind] = v;
    }
    return v;
  }

  /**
   * Index, in a view of elements of `bpe` bytes, of the first data element
   * of rank `r`'s slot for the round being prepared (before `publish`) or
   * just synced (after `sync`).
   */
  dataIndex(r: number, bpe: number): number {
    return ((this.#slot(r) - this.#base) * 4 + SLOT_HEADER_BYTES) / bpe;
  }

  /**
   * Starts a round (throwing first if the endpoint is no longer usable, e.g.
   * the job is being stopped): the slot this rank writes its data into is
   * now `dataIndex(rank, ·)`. Every round begun must be published.
   */
  begin(): void {
    this.#live();
    this.#round = (this.#round + 1) | 0;
    this.#next = 0;
  }

  /** Publishes this rank's header (after its data), ending its part of the round. */
  publish(context: number, call: number, kind: number, length: number, op: number, flags: number): void {
    const w = this.#ctl;
    const s = this.#slot(this.rank);
    w[s + S_CONTEXT] = context;
    w[s + S_CALL] = call;
    w[s + S_KIND] = kind;
    this.#headF64[((s - this.#base) >> 1) + S_LENGTH_F64] = length;
    w[s + S_OP] = op;
    w[s + S_FLAGS] = flags;
    Atomics.store(w, s, this.#round);
    // Wake the ranks that sleep waiting for this round (one load each for the others).
    for (let r = 0; r < this.size; r++) if (r !== this.rank) wake(w, this.#doorbell, r);
  }

  /** True once every rank has published this round (checks from the first rank not yet seen). */
  poll(): boolean {
    const w = this.#ctl;
    const round = this.#round;
    const n = this.size;
    let r = this.#next;
    // (This rank's own word is known: Atomics.load is a call, not an instruction, in V8.)
    while (r < n && (r === this.rank || Atomics.load(w, this.#slot(r)) === round)) r++;
    this.#next = r;
    if (r !== n) return false;
    // Every rank has published this round, so each has read the slots of the round before: this rank's slot for the
    // next round is free now. A store into its header (rewritten by the next `publish` before the round word) takes
    // the slot's cache line back from the readers while the caller computes, not when it publishes. Where the two
    // cores share no cache, a 2-rank allreduceInto of 8 B went from 0.42-0.44 to 0.36-0.39 us (and a barrier with a
    // little work between calls from 0.41 to 0.35); where they do, it costs 5-7 ns.
    w[this.#base + (2 * this.rank + ((round + 1) & 1)) * STRIDE_WORDS + S_CONTEXT] = 0;
    return true;
  }

  /** The first rank that has not yet published this round (valid while `poll` is false). */
  get waitingFor(): number {
    return this.#next;
  }

  /**
   * Waits until every rank has published this round: a tight poll of the
   * round words first (up to `spins` times, 0 when ranks outnumber cores),
   * then the transport's wait loop.
   */
  sync(): void {
    if (!this.spin()) this.#wait();
  }

  /**
   * Polls the round words tightly, up to `spins` times (0 when ranks
   * outnumber cores); true once every rank has published this round. A
   * caller that gets false waits with {@linkcode Slots.wait}.
   */
  spin(): boolean {
    if (this.poll()) return true;
    relaxSometimes();
    for (let i = 0; i < this.#spins; i++) if (this.poll()) return true;
    return false;
  }

  /** Waits in the transport's wait loop until every rank has published this round. */
  wait(): void {
    this.#wait();
  }

  /** True when rank `r`'s header of this round equals this rank's and neither is flagged. */
  agrees(r: number): boolean {
    const w = this.#ctl;
    const a = this.#slot(r);
    const b = this.#slot(this.rank);
    return w[a + S_CONTEXT] === w[b + S_CONTEXT] && w[a + S_CALL] === w[b + S_CALL] &&
      w[a + S_KIND] === w[b + S_KIND] && w[a + S_OP] === w[b + S_OP] && w[a + S_FLAGS] === 0 &&
      w[b + S_FLAGS] === 0 && this.length(r) === this.length(this.rank);
  }

  /** Byte length in rank `r`'s header of this round. */
  length(r: number): number {
    return this.#headF64[((this.#slot(r) - this.#base) >> 1) + S_LENGTH_F64];
  }

  /** Rank `r`'s whole header of this round. */
  header(r: number): SlotHeader {
    const w = this.#ctl;
    const s = this.#slot(r);
    return {
      context: w[s + S_CONTEXT],
      call: w[s + S_CALL],
      kind: w[s + S_KIND],
      length: this.length(r),
      op: w[s + S_OP],
      flags: w[s + S_FLAGS],
    };
  }
}

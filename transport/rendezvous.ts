/**
 * Single-copy sends: a message whose bytes lie in its sender's heap
 * (`heap.ts`, memory every rank can read) is not copied through the ring.
 * The sender puts a header-only frame in the ring — a rendezvous frame,
 * ordered like any other frame, so matching is unchanged — whose word 5
 * names a descriptor in the sender's heap; the receiver, once the message
 * is matched to a receive, copies the bytes straight from the sender's heap
 * to their destination (the `recvInto` buffer, or a new typed array) and
 * marks the descriptor done.
 *
 * ## A descriptor (DESC_BYTES at `slot · DESC_BYTES` in the sender's heap)
 * ```text
 * word 0     state: FREE, POSTED, BOUNCED, COPYING, DONE
 * f64 1      offset of the payload in the sender's heap
 * f64 2      offset of the bounce copy (valid once BOUNCED)
 * ```
 * Transitions: the sender stores POSTED (after the offset) before it
 * publishes the frame. The receiver claims with a CAS, POSTED → COPYING or
 * BOUNCED → COPYING, reads the offset that state names, copies, stores DONE
 * and rings the sender's doorbell; it never touches the sender's memory
 * after DONE. The sender, seeing DONE, frees the slot (FREE) and any bounce
 * block: only then may the memory be reused.
 *
 * ## Standard mode: the bounce
 * A blocking send must not wait for the matching receive (two ranks that
 * send to each other at once would deadlock). So a blocking send makes sure
 * a bounce block of the payload's size would fit in its own heap before it
 * posts the rendezvous (no room: the message goes through the ring as
 * usual); nothing else allocates from the heap until the send returns, so
 * the block is sure to be there when it is needed. If the receiver has not
 * claimed the descriptor within about the time the bounce copy itself
 * would take ({@linkcode BOUNCE_BASE_MS} + size / {@linkcode BOUNCE_RATE},
 * so a sender never spends more than about twice what the copy into a ring
 * would cost), or when the wait spends its spin budget, the sender copies
 * the payload into the bounce block, stores its offset and CASes POSTED →
 * BOUNCED: from then on the receiver copies from the bounce block, and the
 * send returns. If the CAS fails the
 * receiver is copying already, and the send waits the few microseconds
 * until DONE. A `wait` on an `isend` bounces the same way when a block can
 * be had then; otherwise it waits for the receiver (and fails if the
 * receiver has ended). `test` never bounces.
 *
 * @module
 */

import { describe, unnamedError } from "../errors.ts";
import { DESC_BYTES, DESC_SLOTS, Heap, HEAP_BASE } from "./heap.ts";
import type { Message } from "./matcher.ts";
import { ring as wake } from "./wait.ts";

/** Smallest payload sent by rendezvous (smaller ones are copied through the ring, which is faster for them). */
export const RDV_MIN = 32 * 1024;

/** A blocking send waits at least this long (ms) for the receiver to claim its rendezvous before it bounces. */
export const BOUNCE_BASE_MS = 0.005;
/** ... and on top of that as long as copying the payload at this many bytes per ms would take. */
export const BOUNCE_RATE = 20e6;

const FREE = 0;
const POSTED = 1;
const BOUNCED = 2;
const COPYING = 3;
const DONE = 4;
/** Int32 words per descriptor. */
const W = DESC_BYTES >> 2;
/** Float64 words per descriptor. */
const F = DESC_BYTES >> 3;

/** What a rendezvous needs of a send (outbox.ts `SendOp` is one). */
export interface RdvSend {
  /** Destination rank. */
  readonly dest: number;
  /** Tag (for messages). */
  readonly tag: number;
  /** The payload: a view of the sender's heap. */
  readonly bytes: Uint8Array;
  /** True once the send has completed (the receiver copied it, or it bounced). */
  done: boolean;
  /** Descriptor slot, or −1 when the send is not a rendezvous (or no longer in flight). */
  slot: number;
  /** Heap block holding the bounce copy, or −1. */
  bounce: number;
}

/** One rank's side of single-copy sends: its heap, its descriptors, and views of every rank's heap. */
export class Rendezvous {
  /** This rank's heap allocator. */
  readonly heap: Heap;
  readonly #rank: number;
  /** False when the job's heaps were not given (rendezvous off; `alloc` still works). */
  readonly #shared: boolean;
  /** Length-tracking byte views of every rank's heap (null where unknown). */
  readonly #mem: (Uint8Array | null)[] = [];
  readonly #desc: (Int32Array | null)[] = [];
  readonly #descF: (Float64Array | null)[] = [];
  readonly #ctl: Int32Array;
  readonly #doorbell: number;
  readonly #freeSlots: number[] = [];
  readonly #inflight: RdvSend[] = [];
  /** The blocking send being waited for, and when it bounces. */
  #blocking: RdvSend | null = null;
  #deadline = 0;
  #polls = 0;

  /**
   * Rank `rank`'s side, given every rank's heap (`heaps`, from
   * `createHeaps`) or, when null, only a private heap of its own.
   */
  constructor(heaps: readonly SharedArrayBuffer[] | null, rank: number, ctl: Int32Array, doorbellWord: number) {
    const own = heaps?.[rank] ?? new SharedArrayBuffer(HEAP_BASE, { maxByteLength: 64 * 1024 * 1024 });
    this.#shared = heaps !== null;
    this.heap = new Heap(own);
    this.#rank = rank;
    this.#ctl = ctl;
    this.#doorbell = doorbellWord;
    const all = heaps ?? [own];
    for (let r = 0; r < all.length; r++) {
      const sab = heaps === null && r !== rank ? null : all[r];
      this.#mem.push(sab === null ? null : new Uint8Array(sab));
      this.#desc.push(sab === null ? null : new Int32Array(sab, 0, HEAP_BASE >> 2));
      this.#descF.push(sab === null ? null : new Float64Array(sab, 0, HEAP_BASE >> 3));
    }
    for (let s = DESC_SLOTS - 1; s >= 0; s--) this.#freeSlots.push(s);
  }

  /** Rendezvous sends in flight (posted and not yet seen done). */
  get inflight(): number {
    return this.#inflight.length;
  }

  // ---- sender --------------------------------------------------------------

  /** True when `bytes` should go by rendezvous: large enough and in this rank's heap. */
  wants(bytes: Uint8Array): boolean {
    return bytes.length >= RDV_MIN && this.#shared && bytes.buffer === this.heap.sab;
  }

  /**
   * Makes `op` a rendezvous: takes a descriptor. False (nothing taken)
   * when there is no free descriptor or, for a blocking send, no room for a
   * bounce block.
   */
  post(op: RdvSend, blocking: boolean): boolean {
    if (this.#freeSlots.length === 0 || (blocking && !this.heap.fits(op.bytes.length))) return false;
    const slot = this.#freeSlots.pop()!;
    this.#descF[this.#rank]![slot * F + 1] = op.bytes.byteOffset;
    Atomics.store(this.#desc[this.#rank]!, slot * W, POSTED);
    op.slot = slot;
    op.bounce = -1;
    this.#inflight.push(op);
    if (blocking) {
      this.#blocking = op;
      this.#deadline = performance.now() + BOUNCE_BASE_MS + op.bytes.length / BOUNCE_RATE;
    }
    return true;
  }

  /** Completes the sends whose receiver has copied them; true if any did. */
  poll(): boolean {
    const list = this.#inflight;
    const d = this.#desc[this.#rank]!;
    let moved = false;
    for (let i = 0; i < list.length; i++) {
      const op = list[i];
      if (Atomics.load(d, op.slot * W) !== DONE) continue;
      this.#release(op);
      list[i--] = list[list.length - 1];
      list.pop();
      moved = true;
    }
    const b = this.#blocking;
    if (b !== null && (b.done || ((++this.#polls & 15) === 0 && performance.now() > this.#deadline))) {
      this.#blocking = null;
      if (!b.done && this.settle(b)) moved = true;
    }
    return moved;
  }

  /**
   * A wait for `op` has spent its spin budget: bounces the payload if the
   * receiver has not claimed it and a block can be had. True when `op` is
   * now complete.
   */
  settle(op: RdvSend): boolean {
    if (op.done) return true;
    if (op.slot < 0) return false;
    const d = this.#desc[this.#rank]!;
    const base = op.slot * W;
    if (Atomics.load(d, base) !== POSTED) return this.poll() && op.done; // claimed: DONE comes soon
    const b = this.heap.alloc(op.bytes.length);
    if (b < 0) return false; // only an isend's wait: it waits for the receiver
    this.#mem[this.#rank]!.set(op.bytes, b);
    this.#descF[this.#rank]![op.slot * F + 2] = b;
    if (Atomics.compareExchange(d, base, POSTED, BOUNCED) !== POSTED) {
      this.heap.free(b); // the receiver claimed it meanwhile
      return false;
    }
    op.bounce = b;
    op.done = true;
    return true;
  }

  /** Withdraws a rendezvous whose frame was never published, or whose receiver has ended (never claims it). */
  cancel(op: RdvSend): void {
    const i = this.#inflight.indexOf(op);
    if (i < 0) return;
    this.#inflight.splice(i, 1);
    this.#release(op);
    op.done = false;
  }

  #release(op: RdvSend): void {
    Atomics.store(this.#desc[this.#rank]!, op.slot * W, FREE);
    this.#freeSlots.push(op.slot);
    if (op.bounce >= 0) this.heap.free(op.bounce);
    op.slot = op.bounce = -1;
    op.done = true;
  }

  // ---- receiver ------------------------------------------------------------

  /**
   * Takes the payload of rendezvous message `m` (its descriptor slot in
   * `m.rdv`) from its sender's heap into `m.bytes` (nothing is copied when
   * null: a receive that does not fit), and releases the sender.
   */
  fetch(m: Message): void {
    const s = m.source;
    const d = this.#desc[s];
    const base = m.rdv * W;
    let off = -1;
    if (d !== null) {
      if (Atomics.compareExchange(d, base, POSTED, COPYING) === POSTED) off = this.#descF[s]![m.rdv * F + 1];
      else if (Atomics.compareExchange(d, base, BOUNCED, COPYING) === BOUNCED) off = this.#descF[s]![m.rdv * F + 2];
    }
    if (off < 0) {
      throw unnamedError(
        `internal error: rendezvous descriptor ${m.rdv} of rank ${s} is not posted (tag ${m.tag})`,
        "MPI_ERR_INTERN",
      );
    }
    try {
      const dst = m.bytes;
      if (dst !== null && m.length > 0) {
        const src = this.#mem[s]!;
        if (off + m.length > src.length) {
          throw unnamedError(
            `internal error: rendezvous payload of rank ${s} at ${off} + ${m.length} is past its heap (${src.length})`,
            "MPI_ERR_INTERN",
          );
        }
        dst.set(src.subarray(off, off + m.length));
      }
    } finally {
      Atomics.store(d!, base, DONE);
      wake(this.#ctl, this.#doorbell, s);
    }
    m.received = m.length;
    m.done = true;
  }

  // ---- alloc and free (Transport) ------------------------------------------

  /** Allocates `bytes` bytes of this rank's heap (HEAP_ALIGN-aligned); throws when they do not fit. */
  alloc(bytes: number): Uint8Array {
    const h = this.heap;
    let off = h.alloc(bytes);
    if (off < 0 && this.#inflight.length > 0 && this.poll()) off = h.alloc(bytes); // bounce blocks copied out since
    if (off < 0) {
      let held = 0;
      for (const op of this.#inflight) {
        if (op.bounce >= 0) held += h.sizeAt(op.bounce);
      }
      throw unnamedError(
        `cannot allocate ${bytes} bytes: rank ${this.#rank}'s heap is limited to ${h.limit} bytes, of which ` +
          `${h.inUse} are in ${h.blocks} blocks` + (held > 0 ? ` (${held} held by sends in flight)` : "") +
          ` and ${h.room} are free at its top; free arrays with comm.free, or raise the limit ` +
          `(spawn(..., { heapBytes }), or the launcher's --heap)`,
        "MPI_ERR_NO_MEM",
      );
    }
    return new Uint8Array(h.sab, off, bytes);
  }

  /** Frees the heap block that `view` starts; throws when it is not one, or is still being sent. */
  free(view: ArrayBufferView): void {
    const h = this.heap;
    if (view.buffer !== h.sab) {
      throw unnamedError(
        `${describe(view)} was not allocated by alloc on rank ${this.#rank}`,
        "MPI_ERR_BUFFER",
      );
    }
    const off = view.byteOffset;
    const size = h.sizeAt(off);
    if (size < 0) {
      throw unnamedError(
        `${describe(view)} at offset ${off} of rank ${this.#rank}'s heap is not the start of an allocated block ` +
          `(already freed, or a part of an array alloc returned)`,
        "MPI_ERR_BUFFER",
      );
    }
    for (const op of this.#inflight) {
      const at = op.bytes.byteOffset;
      if (op.bounce < 0 && at + op.bytes.length > off && at < off + size) {
        throw unnamedError(
          `${describe(view)} is still being sent to rank ${op.dest} (tag ${op.tag}): wait for its request first`,
          "MPI_ERR_BUFFER",
        );
      }
    }
    h.free(off);
  }
}

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
 * word 1     1 while the sender copies the payload into the bounce block
 * f64 1      offset of the payload in the heap of rank word 11 (the sender's,
 *            or another rank's for an array of a shared window)
 * f64 2      offset of the bounce block
 * f64 3      length of the payload
 * word 8-10  destination, tag, context (for the launcher's reports)
 * word 11    the rank whose heap holds the payload
 * ```
 * Transitions: the sender stores POSTED (after the other words) before it
 * publishes the frame. The receiver claims with a CAS, POSTED → COPYING or
 * BOUNCED → COPYING, reads the offset that state names, copies, stores DONE
 * and rings the sender's doorbell; it never touches the sender's memory
 * after DONE. The sender, seeing DONE, frees the slot (FREE) and the bounce
 * block: only then may the memory be reused. The launcher reads
 * descriptors too ({@linkcode unclaimed}, {@linkcode copying}): a POSTED or
 * BOUNCED one is a message in flight, a copy under way is progress.
 *
 * ## Standard mode: the bounce
 * A send must be able to complete without the matching receive (two ranks
 * that send to each other at once, then receive, would deadlock). So every
 * rendezvous reserves a bounce block of the payload's size in its sender's
 * heap when it is posted; with no room (or no free descriptor) the message
 * goes through the ring as usual. A blocking send waits for the receiver to
 * claim the descriptor for about the time the bounce copy itself would take
 * ({@linkcode BOUNCE_BASE_MS} + size / {@linkcode BOUNCE_RATE}, so a sender
 * never spends more than about twice what the copy into a ring would cost),
 * or until its wait spends its spin budget; then it copies the payload into
 * the bounce block, stores its offset and CASes POSTED → BOUNCED: from then
 * on the receiver copies from the bounce block, and the send returns. If
 * the CAS fails the receiver is copying already, and the send waits the few
 * microseconds until DONE. An `isend` completes when the receiver has
 * copied it, or bounces the same way when a `wait` for it spends its spin
 * budget, or after {@linkcode TEST_BOUNCE} `test`s of it that found it
 * unclaimed — so a program that would complete with ordinary arrays
 * completes with alloc'd ones.
 *
 * ## Free
 * `free` takes exactly the array `alloc` returned and refuses while
 * anything still uses its block: a rendezvous not yet copied, a send queued
 * for the ring, a receive that will write into it (the outbox and the
 * inbox tell, as {@linkcode HeapUser}s).
 *
 * @module
 */

import { describe, unnamedError } from "../errors.ts";
import { DESC_BYTES, DESC_SLOTS, Heap, HEAP_BASE } from "./heap.ts";
import type { Message } from "./matcher.ts";
import type { Leftover } from "./transport.ts";
import { ring as wake } from "./wait.ts";

/** Smallest payload sent by rendezvous (smaller ones are copied through the ring, which is faster for them). */
export const RDV_MIN = 32 * 1024;

/** A blocking send waits at least this long (ms) for the receiver to claim its rendezvous before it bounces. */
export const BOUNCE_BASE_MS = 0.005;
/** ... and on top of that as long as copying the payload at this many bytes per ms would take. */
export const BOUNCE_RATE = 20e6;
/** An isend bounces at its this-many-th `test` that finds it unclaimed (a polling loop must complete, as a wait does). */
export const TEST_BOUNCE = 1024;

const FREE = 0;
const POSTED = 1;
const BOUNCED = 2;
const COPYING = 3;
const DONE = 4;
/** Int32 words per descriptor. */
const W = DESC_BYTES >> 2;
/** Float64 words per descriptor. */
const F = DESC_BYTES >> 3;
// Word offsets in a descriptor (Int32 words, then Float64 words).
const W_BUSY = 1;
const W_DEST = 8;
const W_TAG = 9;
const W_CONTEXT = 10;
const W_HEAP = 11;
const F_OFFSET = 1;
const F_BOUNCE = 2;
const F_LENGTH = 3;

/** What a rendezvous needs of a send (outbox.ts `SendOp` is one). */
export interface RdvSend {
  /** Destination rank. */
  readonly dest: number;
  /** Tag (for messages). */
  readonly tag: number;
  /** Context id. */
  readonly context: number;
  /** The payload: a view of the sender's heap. */
  readonly bytes: Uint8Array;
  /** True once the send has completed (the receiver copied it, or it bounced). */
  done: boolean;
  /** Descriptor slot, or −1 when the send is not a rendezvous (or no longer in flight). */
  slot: number;
  /** Heap block reserved for the bounce copy while `slot` ≥ 0, else −1. */
  bounce: number;
}

/** Something that may still use heap memory after the call that started it has returned. */
export interface HeapUser {
  /** What uses bytes [start, end) of `buffer` now, in words for an error ("a send from ... is still in flight"), or null. */
  using(buffer: ArrayBufferLike, start: number, end: number): string | null;
}

/** True when the bytes of `v` lie (partly) in bytes [start, end) of `buffer`. */
export function overlaps(v: ArrayBufferView, buffer: ArrayBufferLike, start: number, end: number): boolean {
  const at = v.byteOffset;
  return v.buffer === buffer && at < end && at + v.byteLength > start;
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
  /** The views `alloc` returned and `free` has not taken, by block offset: `free` takes exactly these. */
  readonly #live = new Map<number, Uint8Array>();
  /** Views `free` has taken (so that a second free says so). */
  readonly #freed = new WeakSet<ArrayBufferView>();
  /** Who else may be using heap memory (the outbox's queued sends, the inbox's posted receives). */
  readonly #users: HeapUser[] = [];
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

  /** Registers `user`: `free` refuses a block it is using. */
  watch(user: HeapUser): void {
    this.#users.push(user);
  }

  // ---- sender --------------------------------------------------------------

  /** True when `bytes` should go by rendezvous: large enough and in a heap (this rank's, or a window's in another's). */
  wants(bytes: Uint8Array): boolean {
    return bytes.byteLength >= RDV_MIN && this.#shared && this.heapOf(bytes.buffer) >= 0;
  }

  /** The rank whose heap `buffer` is, or −1. */
  heapOf(buffer: ArrayBufferLike): number {
    if (buffer === this.heap.sab) return this.#rank;
    const mem = this.#mem;
    for (let r = 0; r < mem.length; r++) if (mem[r] !== null && mem[r]!.buffer === buffer) return r;
    return -1;
  }

  /** A length-tracking byte view of rank `r`'s heap (null when the job's heaps are not shared). */
  heapView(r: number): Uint8Array | null {
    return this.#shared ? this.#mem[r] ?? null : null;
  }

  /** Wakes rank `r` if it sleeps (a window's lock was released, which it may wait for). */
  wake(r: number): void {
    wake(this.#ctl, this.#doorbell, r);
  }

  /**
   * Makes `op` a rendezvous: takes a descriptor and reserves the bounce
   * block. False (nothing taken) when there is no free descriptor or no
   * room for the block: the send then goes through the ring.
   */
  post(op: RdvSend, blocking: boolean): boolean {
    if (this.#freeSlots.length === 0) return false;
    const n = op.bytes.byteLength;
    const b = this.heap.alloc(n);
    if (b < 0) return false;
    const slot = this.#freeSlots.pop()!;
    const d = this.#desc[this.#rank]!;
    const f = this.#descF[this.#rank]!;
    f[slot * F + F_OFFSET] = op.bytes.byteOffset;
    f[slot * F + F_BOUNCE] = b;
    f[slot * F + F_LENGTH] = n;
    d[slot * W + W_DEST] = op.dest;
    d[slot * W + W_TAG] = op.tag;
    d[slot * W + W_CONTEXT] = op.context;
    d[slot * W + W_HEAP] = this.heapOf(op.bytes.buffer);
    Atomics.store(d, slot * W, POSTED);
    op.slot = slot;
    op.bounce = b;
    this.#inflight.push(op);
    if (blocking) {
      this.#blocking = op;
      this.#deadline = performance.now() + BOUNCE_BASE_MS + n / BOUNCE_RATE;
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
    this.#polls = (this.#polls + 1) & 15; // every 16th poll looks at the clock
    if (b !== null && (b.done || (this.#polls === 0 && performance.now() > this.#deadline))) {
      this.#blocking = null;
      if (!b.done && this.settle(b)) moved = true;
    }
    return moved;
  }

  /**
   * A wait for `op` has spent its spin budget (or a test loop its
   * patience): bounces the payload if the receiver has not claimed it.
   * True when `op` is now complete.
   */
  settle(op: RdvSend): boolean {
    if (op.done) return true;
    if (op.slot < 0) return false;
    const d = this.#desc[this.#rank]!;
    const base = op.slot * W;
    if (Atomics.load(d, base) !== POSTED) return this.poll() && op.done; // claimed: DONE comes soon
    Atomics.store(d, base + W_BUSY, 1); // the launcher's monitor: a copy is under way
    this.#mem[this.#rank]!.set(op.bytes, op.bounce);
    Atomics.store(d, base + W_BUSY, 0);
    if (Atomics.compareExchange(d, base, POSTED, BOUNCED) !== POSTED) return false; // the receiver claimed it meanwhile
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
    this.heap.free(op.bounce);
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
    let from = s; // whose heap holds the payload: a bounce is in the sender's
    if (d !== null) {
      if (Atomics.compareExchange(d, base, POSTED, COPYING) === POSTED) {
        off = this.#descF[s]![m.rdv * F + F_OFFSET];
        from = d[base + W_HEAP];
      } else if (Atomics.compareExchange(d, base, BOUNCED, COPYING) === BOUNCED) {
        off = this.#descF[s]![m.rdv * F + F_BOUNCE];
      }
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
        const src = this.#mem[from]!;
        if (off + m.length > src.byteLength) {
          throw unnamedError(
            `internal error: rendezvous payload of rank ${s} at ${off} + ${m.length} is past heap ${from} (${src.byteLength})`,
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
    if (off < 0 && this.#inflight.length > 0 && this.poll()) off = h.alloc(bytes); // bounce blocks released since
    if (off < 0) {
      let held = 0;
      for (const op of this.#inflight) held += h.sizeAt(op.bounce);
      throw unnamedError(
        `cannot allocate ${bytes} bytes: rank ${this.#rank}'s heap is limited to ${h.limit} bytes, of which ` +
          `${h.inUse} are in ${h.blocks} blocks` +
          (held > 0 ? ` (${held} reserved for the bounce copies of ${this.#inflight.length} sends in flight)` : "") +
          ` and ${h.room} are free at its top; free arrays with comm.free, or raise the limit ` +
          `(spawn(..., { heapBytes }), or the launcher's --heap)`,
        "MPI_ERR_NO_MEM",
      );
    }
    const view = new Uint8Array(h.sab, off, bytes);
    this.#live.set(off, view);
    return view;
  }

  /**
   * Frees the block of `view`, which must be the very view `alloc`
   * returned; throws when it is not one, or while a send from the block or
   * a receive into it is still in flight.
   */
  free(view: ArrayBufferView): void {
    const h = this.heap;
    const off = view.byteOffset;
    if (this.#live.get(off) !== view) throw unnamedError(this.#notLive(view), "MPI_ERR_BUFFER");
    const why = this.using(h.sab, off, off + h.sizeAt(off));
    if (why !== null) throw unnamedError(`${why}: wait for its request first`, "MPI_ERR_BUFFER");
    this.#live.delete(off);
    this.#freed.add(view);
    h.free(off);
  }

  /** What of this rank uses bytes [start, end) of `buffer` (any rank's heap): a send or receive in flight, or null. */
  using(buffer: ArrayBufferLike, start: number, end: number): string | null {
    for (const op of this.#inflight) {
      if (!op.done && overlaps(op.bytes, buffer, start, end)) {
        return `a send from this array to rank ${op.dest} (tag ${op.tag}) is still in flight`;
      }
    }
    for (const u of this.#users) {
      const why = u.using(buffer, start, end);
      if (why !== null) return why;
    }
    return null;
  }

  /** Why `view` is not an array that `free` takes. */
  #notLive(view: ArrayBufferView): string {
    const sab = this.heap.sab;
    if (view.buffer !== sab) return `${describe(view)} was not allocated by alloc on rank ${this.#rank}`;
    if (this.#freed.has(view)) return "this array was freed already";
    const at = view.byteOffset;
    const last = at + Math.max(view.byteLength, 1); // a view of 0 bytes still names a place
    for (const off of this.#live.keys()) {
      if (at < off + this.heap.sizeAt(off) && last > off) {
        return `${describe(view)} is not the array alloc returned but another view of its memory (a subarray, or ` +
          `a view made over its buffer): free the array alloc returned`;
      }
    }
    return `${describe(view)} is not an array alloc returned on rank ${this.#rank} (no allocated block holds it; ` +
      `its array was freed already?)`;
  }
}

/**
 * Rendezvous messages sent and not yet claimed by their receivers: the
 * descriptors POSTED or BOUNCED in the heaps of a job (the launcher's view;
 * the frame is still in a ring, or waits in the receiver's unexpected queue).
 */
export function unclaimed(heaps: readonly SharedArrayBuffer[]): Leftover[] {
  const out: Leftover[] = [];
  for (let source = 0; source < heaps.length; source++) {
    const d = new Int32Array(heaps[source], 0, HEAP_BASE >> 2);
    const f = new Float64Array(heaps[source], 0, HEAP_BASE >> 3);
    for (let s = 0; s < DESC_SLOTS; s++) {
      const st = Atomics.load(d, s * W);
      if (st !== POSTED && st !== BOUNCED) continue;
      out.push({
        source,
        dest: d[s * W + W_DEST],
        tag: d[s * W + W_TAG],
        context: d[s * W + W_CONTEXT],
        bytes: f[s * F + F_LENGTH],
        whole: true,
      });
    }
  }
  return out;
}

/** True while some rank of the job copies a rendezvous payload (a receiver's copy, or a sender's bounce). */
export function copying(heaps: readonly SharedArrayBuffer[]): boolean {
  for (const sab of heaps) {
    const d = new Int32Array(sab, 0, HEAP_BASE >> 2);
    for (let s = 0; s < DESC_SLOTS; s++) {
      if (Atomics.load(d, s * W) === COPYING || Atomics.load(d, s * W + W_BUSY) !== 0) return true;
    }
  }
  return false;
}

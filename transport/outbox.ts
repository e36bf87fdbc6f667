/**
 * One rank's outgoing side: a message goes into the ring to its destination
 * at once when it fits; otherwise it joins that destination's queue and
 * streams through the ring in pieces as the receiver frees space. Every
 * wait of the rank calls {@linkcode Outbox.progress}, so queued sends keep
 * moving while the rank waits for anything else. A large payload in this
 * rank's heap goes as a header-only rendezvous frame instead, in the same
 * queue and order; the receiver copies it from the heap (`rendezvous.ts`).
 *
 * @module
 */

import type { Activity } from "./activity.ts";
import type { Ring } from "./ring.ts";
import { type HeapUser, overlaps, RDV_MIN, type Rendezvous, TEST_BOUNCE } from "./rendezvous.ts";
import type { Leftover, PendingOp } from "./transport.ts";
import { ringAfterStore as wakeAfterStore } from "./wait.ts";

/** Largest piece published at once while streaming, so the receiver can copy out while the sender copies in. */
export const CHUNK = 64 * 1024;

/** A send waiting for ring space. */
export class SendOp implements PendingOp {
  /** True once every byte is in the ring. */
  done = false;
  /** True once the header is in the ring. */
  headerDone = false;
  /** Payload bytes in the ring so far. */
  offset = 0;
  /** Rendezvous descriptor while one is in flight, else −1 (the payload goes through the ring). */
  slot = -1;
  /** Rendezvous: heap block reserved for the bounce copy, or −1. */
  bounce = -1;
  /** Rendezvous: `test`s that found it not done (it bounces at {@linkcode TEST_BOUNCE}). */
  tests = 0;

  /** True when part of the message, but not all, has gone (a rendezvous frame carries it all). */
  get partly(): boolean {
    return this.headerDone && this.offset < this.bytes.byteLength;
  }
  /** A queued send to `dest`. */
  constructor(
    readonly dest: number,
    readonly tag: number,
    readonly context: number,
    readonly kind: number,
    readonly bytes: Uint8Array,
  ) {}
}

/** A send that completed at once. */
export const SENT: PendingOp = { done: true };

/** The outgoing rings of one rank and their queues of sends (a {@linkcode HeapUser}: `free` asks it). */
export class Outbox implements HeapUser {
  /** Number of queued sends, over all destinations. */
  pending = 0;
  readonly #rings: (Ring | null)[];
  readonly #queue: SendOp[][] = [];
  readonly #ctl: Int32Array;
  readonly #doorbell: number;
  readonly #activity: Activity;
  readonly #rdv: Rendezvous | null;

  /** The rings to each rank (null for this rank itself); `rdv` sends large heap payloads by rendezvous. */
  constructor(
    rings: (Ring | null)[],
    ctl: Int32Array,
    doorbellWord: number,
    activity: Activity,
    rdv: Rendezvous | null = null,
  ) {
    this.#rings = rings;
    this.#rdv = rdv;
    rdv?.watch(this);
    for (let i = 0; i < rings.length; i++) this.#queue.push([]);
    this.#ctl = ctl;
    this.#doorbell = doorbellWord;
    this.#activity = activity;
  }

  /** Sends a whole small frame now if nothing is queued before it and it fits; true when sent. */
  tryNow(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): boolean {
    if (this.#queue[dest].length > 0) return false;
    const r = this.#rings[dest]!;
    // A payload that fits in a cell takes the short path, which V8 inlines into the send; the rest is out of line.
    if (
      bytes.byteLength <= r.inlineMax
        ? !r.putSmall(bytes, tag, context, kind)
        : !this.#putLarger(r, kind, bytes, tag, context)
    ) {
      return false;
    }
    this.#sent(dest);
    return true;
  }

  /** tryNow of a payload longer than a cell: into the byte ring when it fits now and is not sent by rendezvous. */
  #putLarger(r: Ring, kind: number, bytes: Uint8Array, tag: number, context: number): boolean {
    if (bytes.byteLength > CHUNK || (bytes.byteLength >= RDV_MIN && this.#rdv !== null && this.#rdv.wants(bytes))) {
      return false;
    }
    return r.putFrame(bytes, tag, context, kind);
  }

  /** Sends a number now if nothing is queued before it and it fits; true when sent. */
  tryNumber(x: number, kind: number, dest: number, tag: number, context: number): boolean {
    if (this.#queue[dest].length > 0 || !this.#rings[dest]!.putNumber(x, tag, context, kind)) return false;
    this.#sent(dest);
    return true;
  }

  /**
   * Queues a send behind the others to `dest` and starts streaming it (a
   * rendezvous when its payload is large and in this rank's heap; `blocking`
   * makes sure of room for the bounce copy a blocking send may need, rendezvous.ts).
   */
  queue(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number, blocking = false): SendOp {
    const op = new SendOp(dest, tag, context, kind, bytes);
    if (this.#rdv !== null && this.#rdv.wants(bytes)) this.#rdv.post(op, blocking);
    this.#queue[dest].push(op);
    this.pending++;
    this.#push(dest);
    return op;
  }

  /** Streams every queue as far as ring space allows; true if anything moved. */
  progress(): boolean {
    const rdv = this.#rdv !== null && this.#rdv.inflight > 0 && this.#rdv.poll();
    if (this.pending === 0) return rdv;
    let moved = rdv;
    for (let d = 0; d < this.#queue.length; d++) {
      if (this.#queue[d].length > 0 && this.#push(d)) moved = true;
    }
    return moved;
  }

  /** A wait for `op` has spent its spin budget: true when it completed now (a rendezvous bounced). */
  settle(op: SendOp): boolean {
    return op.slot >= 0 && this.#rdv!.settle(op);
  }

  /** A `test` found `op` not done: after {@linkcode TEST_BOUNCE} of them a rendezvous bounces, as in a wait. */
  tested(op: SendOp): void {
    if (op.slot >= 0 && ++op.tests >= TEST_BOUNCE) this.#rdv!.settle(op);
  }

  /** A queued send whose payload still has to be read from bytes [start, end) of `buffer`, in words; else null. */
  using(buffer: ArrayBufferLike, start: number, end: number): string | null {
    for (const q of this.#queue) {
      for (const op of q) {
        if (!op.done && overlaps(op.bytes, buffer, start, end)) {
          return `a send from this array to rank ${op.dest} (tag ${op.tag}) is still in flight`;
        }
      }
    }
    return null;
  }

  /** Takes a send out of its queue (its receiver has ended). */
  drop(op: SendOp): void {
    if (op.slot >= 0) this.#rdv!.cancel(op);
    const q = this.#queue[op.dest];
    const i = q.indexOf(op);
    if (i >= 0) {
      q.splice(i, 1);
      this.pending--;
    }
  }

  /** True when every rank that still has queued sends satisfies `ended`. */
  onlyTo(ended: (rank: number) => boolean): boolean {
    for (let d = 0; d < this.#queue.length; d++) {
      if (this.#queue[d].length > 0 && !ended(d)) return false;
    }
    return true;
  }

  /** The queued sends, as messages that will never be received. */
  leftovers(rank: number): Leftover[] {
    const out: Leftover[] = [];
    for (const q of this.#queue) {
      for (const op of q) {
        out.push({
          source: rank,
          dest: op.dest,
          tag: op.tag,
          context: op.context,
          bytes: op.bytes.byteLength,
          whole: op.slot >= 0, // a rendezvous payload is whole in this rank's heap
        });
      }
    }
    return out;
  }

  #sent(dest: number): void {
    this.#activity.sent();
    wakeAfterStore(this.#ctl, this.#doorbell, dest); // the frame's mark was just published with Atomics.store
  }

  /** Streams the queue to `dest`; true if anything moved. */
  #push(dest: number): boolean {
    const q = this.#queue[dest];
    const r = this.#rings[dest]!;
    let moved = false;
    while (q.length > 0) {
      const op = q[0];
      if (!op.headerDone) {
        if (!r.hasCell()) break;
        r.putHeader(op.bytes.byteLength, op.tag, op.context, op.kind, op.slot + 1); // published: the receiver may match it
        op.headerDone = true;
        if (op.slot >= 0) op.offset = op.bytes.byteLength; // the payload stays in the heap
        wakeAfterStore(this.#ctl, this.#doorbell, dest); // (the cell's mark was stored with Atomics.store)
        moved = true;
      }
      for (;;) {
        const next = r.putPayload(op.bytes, op.offset, CHUNK);
        if (next === op.offset) break;
        op.offset = next;
        wakeAfterStore(this.#ctl, this.#doorbell, dest); // (`head` was stored with Atomics.store)
        moved = true;
      }
      if (op.offset < op.bytes.byteLength) break;
      if (op.slot < 0) op.done = true; // a rendezvous is done when the receiver has copied it (or it bounced)
      q.shift();
      this.pending--;
      this.#sent(dest);
    }
    return moved;
  }
}

/**
 * The shared-memory backend: one rank's endpoint on the job's rings.
 *
 * A message travels through these files: `Comm.send` → `codec.ts` (kind +
 * bytes) → `outbox.ts` (into the ring to the destination, or queued and
 * streamed) → `ring.ts` (the frame) → `wait.ts` (the doorbell, if the
 * receiver sleeps) → `inbox.ts` (out of the ring, matched by `matcher.ts`
 * to a posted receive or queued as unexpected) → `Comm.recv` (decoded).
 * `activity.ts` records what the rank is doing for the launcher.
 *
 * Every wait of a rank is the one loop in {@linkcode ShmTransport}: a round
 * of progress on every ring (queued sends stream out, incoming frames come
 * in), then a check of what the call waits for, then spin or sleep. So two
 * ranks that send to each other at once both make progress.
 *
 * @module
 */

import { AbortSignalled, unnamedError } from "../errors.ts";
import { Memcpy } from "./_memcpy.ts";
import { unusable } from "./_unusable.ts";
import { Activity, isEnded } from "./activity.ts";
import { callCode } from "./calls.ts";
import { Inbox } from "./inbox.ts";
import { type Message, RecvOp } from "./matcher.ts";
import { OpenRecvs } from "./open_recvs.ts";
import { Outbox, SendOp, SENT } from "./outbox.ts";
import { Rendezvous } from "./rendezvous.ts";
import { HeapWindows } from "./heap_windows.ts";
import { Ring } from "./ring.ts";
import { Slots } from "./slots.ts";
import { TraceRecorder } from "./trace.ts";
import { activityBase, attachShm, H_ABORT, H_ENDED, raiseAbort, type ShmLayout } from "./shm_layout.ts";
import { driveBackground } from "./transport.ts";
import type { Envelope, Incoming, Leftover, Matching, PendingOp, SharedMemory, Transport } from "./transport.ts";
import { type ShmTransportOptions, UNEXPECTED_LIMIT_BYTES, UNEXPECTED_LIMIT_MESSAGES } from "./shm_options.ts";
import { DIRECT_SPINS, DIRECT_SPINS_OVERSUBSCRIBED, ring as wake, SPIN_DEDICATED } from "./wait.ts";
import { SPIN_OVERSUBSCRIBED, Waiter, YIELD_OVERSUBSCRIBED } from "./wait.ts";

const C_FINALIZE = callCode("finalize");

// What a blocking call waits for (the argument of #block): W_TAKE a message
// matching the wanted envelope, taken from the unexpected queue; W_MATCH a
// posted receive to be matched; W_MESSAGE a matched message to arrive
// fully; W_SEND a queued send to leave (or any pending op to be done);
// W_PROBE a matching message, left in place; W_SENDS every queued send to
// leave (or to be owed only to ranks that ended); W_SLOTS every rank to
// publish the current round of the collective slots.
const W_TAKE = 0, W_MATCH = 1, W_MESSAGE = 2, W_SEND = 3, W_PROBE = 4, W_SENDS = 5, W_SLOTS = 6;

/** One rank's endpoint on the shared-memory rings. */
export class ShmTransport implements Transport {
  /** This rank in the world. */ readonly rank: number;
  /** Number of ranks. */ readonly size: number;
  /** The job's layout. */ readonly layout: ShmLayout;
  /** The collective slots (slots.ts); every wait on them runs this transport's wait loop. */ readonly slots: Slots;
  /** The trace recorder when the job is traced (user regions write to it too). */ readonly trace: TraceRecorder | null;
  /** Matched probes and cancelled receives (_probe.ts). */ readonly matching: Matching;
  /** The job's heaps, for shared windows (heap_windows.ts). */ readonly shared: SharedMemory;
  /** Nonblocking collectives every wait drives (Transport). */ readonly background: Set<PendingOp> = new Set();
  #closed = false;
  readonly #sab: SharedArrayBuffer;
  readonly #ctl: Int32Array;
  readonly #activity: Activity;
  readonly #waiter: Waiter;
  /** Polls of the sender's ring before a blocking `recvInto` posts its receive. */ readonly #directSpins: number;
  /** Polls of `tryRecvInto`, before the call is recorded (none when oversubscribed). */ readonly #trySpins: number;
  readonly #out: Outbox;
  readonly #in: Inbox;
  readonly #rdv: Rendezvous;
  /** Receives started by `irecv` and not yet waited for to completion. */ readonly #open = new OpenRecvs();
  readonly #onAbort?: (code: number, message: string) => void;
  // The envelope a W_TAKE / W_PROBE wait looks for, and what it found (waits never nest).
  #wSource = 0;
  #wTag = 0;
  #wContext = 0;
  #wArrivals = -1;
  #wFound: Message | null = null;

  /** Attaches rank `rank` to the job's shared memory. */
  constructor(options: ShmTransportOptions) {
    const { sab, rank } = options;
    const layout = attachShm(sab);
    this.layout = layout;
    this.rank = rank;
    this.size = layout.size;
    this.#sab = sab;
    this.#ctl = new Int32Array(sab, 0, layout.ctlWords);
    this.#activity = new Activity(this.#ctl, activityBase(layout, rank), H_ABORT);
    const outRings: (Ring | null)[] = [], inRings: (Ring | null)[] = [];
    const memcpy = options.memcpy === false ? null : Memcpy.load();
    for (let p = 0; p < layout.size; p++) {
      outRings.push(p === rank ? null : new Ring(sab, layout, rank, p, memcpy));
      inRings.push(p === rank ? null : new Ring(sab, layout, p, rank, memcpy));
    }
    const rdv = this.#rdv = new Rendezvous(options.heaps ?? null, rank, this.#ctl, layout.doorbellWord);
    this.shared = new HeapWindows(rdv);
    this.#out = new Outbox(outRings, this.#ctl, layout.doorbellWord, this.#activity, rdv);
    this.#in = new Inbox(rank, inRings, this.#ctl, layout.doorbellWord, this.#activity, {
      bytes: options.unexpectedBytes ?? UNEXPECTED_LIMIT_BYTES,
      messages: options.unexpectedMessages ?? UNEXPECTED_LIMIT_MESSAGES,
    }, rdv);
    const cores = navigator.hardwareConcurrency || 1;
    const spin = options.spin ?? (layout.size <= cores ? SPIN_DEDICATED : SPIN_OVERSUBSCRIBED);
    const yields = options.yields ?? (layout.size > cores ? YIELD_OVERSUBSCRIBED : 0);
    this.#waiter = new Waiter(this.#ctl, layout.doorbellWord, rank, spin, this.#activity, yields);
    const spins = this.#trySpins = spin >= DIRECT_SPINS ? DIRECT_SPINS : 0; // the slots' polls too
    this.#directSpins = spins > 0 ? spins : DIRECT_SPINS_OVERSUBSCRIBED;
    this.#onAbort = options.onAbort;
    this.matching = this.#in.matching(this, this.#open);
    this.slots = new Slots(sab, layout, rank, () => this.#block(W_SLOTS, null), () => this.#live(), spins);
    this.trace = options.trace === undefined ? null : new TraceRecorder(options.trace, layout.size);
    this.#activity.start();
  }

  /** True once the job has ended for this rank. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Records the start of an spmd call (outermost only). */
  enter(call: number, peer: number, tag: number, context: number): void {
    this.#activity.enter(call, peer, tag, context);
    this.trace?.enter(call, peer, tag, context);
  }

  /** Records the end of the call recorded by `enter` (frozen once the job is being stopped). */
  leave(): void {
    this.#activity.leave();
    this.trace?.leave();
  }

  // ---- sending ---------------------------------------------------------------

  /** Blocking standard-mode send. */
  send(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): void {
    this.#live();
    this.trace?.send(dest, tag, context, bytes.byteLength);
    if (dest === this.rank) return this.#in.arriveSelf(kind, bytes, tag, context);
    if (this.#out.tryNow(kind, bytes, dest, tag, context)) return;
    this.#block(W_SEND, this.#out.queue(kind, bytes, dest, tag, context, true));
  }

  /** Sends at once to another rank when that needs no wait (Transport.trySend). */
  trySend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): boolean {
    if (this.#closed || dest === this.rank || this.trace !== null || this.#stopped()) return false;
    return this.#out.tryNow(kind, bytes, dest, tag, context);
  }

  /** Blocking send of a one-float64 message. */
  sendNumber(x: number, kind: number, dest: number, tag: number, context: number): void {
    this.#live();
    if (dest !== this.rank && this.#out.tryNumber(x, kind, dest, tag, context)) {
      return void this.trace?.send(dest, tag, context, 8);
    }
    this.send(kind, new Uint8Array(new Float64Array([x]).buffer), dest, tag, context);
  }

  /** Starts a send. */
  isend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): PendingOp {
    this.#live();
    this.trace?.send(dest, tag, context, bytes.byteLength);
    if (dest === this.rank) {
      this.#in.arriveSelf(kind, bytes, tag, context);
      return SENT;
    }
    // Into the ring at once when nothing is queued before it and it fits (as send does): complete on return.
    if (this.#out.tryNow(kind, bytes, dest, tag, context)) return SENT;
    return this.#out.queue(kind, bytes, dest, tag, context);
  }

  /** Allocates `bytes` bytes of this rank's heap, which every rank can read (rendezvous.ts). */
  alloc(bytes: number): Uint8Array {
    this.#live();
    return this.#rdv.alloc(bytes);
  }

  /** Frees the block of `view`, the very view `alloc` returned, unless a send or receive still uses it. */
  free(view: ArrayBufferView): void {
    this.#live();
    this.#rdv.free(view);
  }

  // ---- receiving -------------------------------------------------------------

  /** Blocking receive. */
  recv(source: number, tag: number, context: number): Incoming {
    this.#live();
    const matcher = this.#in.matcher;
    let m = matcher.unexpectedCount > 0 ? this.#in.take(source, tag, context) : null;
    if (m === null) {
      this.#wSource = source;
      this.#wTag = tag;
      this.#wContext = context;
      this.#wArrivals = this.#in.arrivals;
      this.#block(W_TAKE, null);
      m = this.#wFound!;
      this.#wFound = null;
    }
    if (!m.done) this.#block(W_MESSAGE, m);
    this.trace?.recv(m.source, m.pair, m.tag, m.context, m.length);
    return m;
  }

  /** The message from `source` when a direct receive takes it within its bounded poll (Transport.tryRecvInto). */
  tryRecvInto(into: ArrayBufferView, source: number, tag: number, context: number): Incoming | null {
    if (this.#closed || source < 0 || this.trace !== null || this.#stopped()) return null;
    return this.#in.direct(into, source, tag, context, this.#trySpins);
  }

  /** Blocking receive into a caller's typed array (when the message is typed and fits). */
  recvInto(into: ArrayBufferView, source: number, tag: number, context: number): Incoming {
    this.#live();
    const d = source >= 0 ? this.#in.direct(into, source, tag, context, this.#directSpins) : null;
    if (d !== null) {
      this.trace?.recv(d.source, d.pair, d.tag, d.context, d.length);
      return d;
    }
    const op = new RecvOp(source, tag, context, into);
    this.#in.post(op);
    try {
      const m = this.#waitRecv(op);
      this.trace?.recv(m.source, m.pair, m.tag, m.context, m.length);
      return m;
    } catch (e) {
      // Withdraw a receive that matched nothing, so no later message goes to it.
      if (op.msg === null) this.#in.matcher.cancel(op);
      throw e;
    }
  }

  /** Starts a receive; until it is waited for, finalize reports it as left pending. */
  irecv(source: number, tag: number, context: number, into: ArrayBufferView | null): PendingOp {
    this.#live();
    const op = new RecvOp(source, tag, context, into);
    this.#in.post(op);
    this.#open.add(op);
    return op;
  }

  /** Reports whether `op` has completed, making progress first. */
  test(op: PendingOp): boolean {
    this.#live();
    if (!op.done) {
      this.#progress();
      if (!op.done && op instanceof SendOp) this.#out.tested(op); // a rendezvous bounces after many tests
      if (!op.done && (!(op instanceof RecvOp) || op.msg === null)) this.#in.raiseOverflow();
    }
    return op.done;
  }

  /** Waits for a pending op; returns the message of a receive. */
  wait(op: PendingOp): Incoming | null {
    this.#live();
    if (op instanceof RecvOp) {
      const m = this.#waitRecv(op);
      this.#open.delete(op);
      this.trace?.recv(m.source, m.pair, m.tag, m.context, m.length);
      return m;
    }
    if (!op.done) this.#block(W_SEND, op);
    return null;
  }

  /** The error `op` would fail with, once its peer has ended (Transport). */
  hopeless(op: PendingOp): Error | null {
    try {
      // A send only once its receiver has ended: #stuck would bounce a live receiver's rendezvous early.
      const peerEnded = op instanceof RecvOp || (op instanceof SendOp && this.#ended(op.dest));
      return op.done || !peerEnded || this.#stuck(op instanceof RecvOp ? W_MATCH : W_SEND, op) ? null : null;
    } catch (e) {
      return e as Error;
    }
  }

  #waitRecv(op: RecvOp): Message {
    if (op.msg === null) this.#block(W_MATCH, op);
    const m = op.msg!;
    if (!m.done) this.#block(W_MESSAGE, m);
    return m;
  }

  // ---- probing ---------------------------------------------------------------

  /** Non-blocking probe. */
  iprobe(source: number, tag: number, context: number): Envelope | null {
    this.#live();
    this.#progress();
    this.#in.raiseOverflow();
    return this.#in.matcher.peek(source, tag, context);
  }

  /** Blocking probe. */
  probe(source: number, tag: number, context: number): Envelope {
    this.#live();
    const m = this.#in.matcher.peek(source, tag, context);
    if (m !== null) return m;
    this.#wSource = source;
    this.#wTag = tag;
    this.#wContext = context;
    this.#block(W_PROBE, null);
    const found = this.#wFound!;
    this.#wFound = null;
    return found;
  }

  // ---- the one wait loop ---------------------------------------------------------

  /** Makes progress until what `kind` waits for (on `target`) is there; spins, then sleeps. */
  #block(kind: number, target: unknown): void {
    const w = this.#waiter;
    w.begin(kind === W_SEND || kind === W_SENDS);
    try {
      for (;;) {
        const moved = this.#progress();
        if (this.background.size > 0) driveBackground(this.background);
        if (this.#ready(kind, target)) return;
        if (moved) {
          // A safe point: the call has claimed no message yet.
          if (kind === W_TAKE || kind === W_MATCH || kind === W_PROBE) this.#in.raiseOverflow();
        } else if (w.settled && this.#stuck(kind, target)) return;
        else w.idle();
      }
    } finally {
      w.end();
    }
  }

  #ready(kind: number, target: unknown): boolean {
    switch (kind) {
      case W_TAKE: {
        if (this.#in.arrivals === this.#wArrivals) return false;
        this.#wArrivals = this.#in.arrivals;
        return (this.#wFound = this.#in.take(this.#wSource, this.#wTag, this.#wContext)) !== null;
      }
      case W_MATCH:
        return (target as RecvOp).msg !== null;
      case W_MESSAGE:
        return (target as Message).done;
      case W_SEND:
        return (target as PendingOp).done;
      case W_PROBE:
        return (this.#wFound = this.#in.matcher.peek(this.#wSource, this.#wTag, this.#wContext)) !== null;
      case W_SLOTS:
        return this.slots.poll();
      default:
        return this.#out.pending === 0;
    }
  }

  /**
   * Nothing moved for a whole spin budget: decides whether waiting can ever end. A wait on a rank that has ended
   * fails (after taking in its last frames); a finalize owed only to ended ranks is over. True ends the wait. (Not
   * checked on every poll: reading another rank's activity line while it writes it would slow both.)
   */
  #stuck(kind: number, target: unknown): boolean {
    if (kind === W_TAKE || kind === W_MATCH) {
      const source = kind === W_TAKE ? this.#wSource : (target as RecvOp).source;
      if (source < 0 || !this.#ended(source)) return false;
      this.#progress(); // its last frames are in the ring before its "ended" mark
      if (this.#ready(kind, target)) return true;
      const tag = kind === W_TAKE ? this.#wTag : (target as RecvOp).tag;
      throw unnamedError(
        `rank ${source} has finished without sending a matching message (tag ${tag === -1 ? "ANY_TAG" : tag}); ` +
          `this receive can never complete`,
        "MPI_ERR_OTHER",
      );
    }
    if (kind === W_SEND && target instanceof SendOp && this.#out.settle(target)) return true; // a rendezvous bounced
    if (kind === W_SEND && target instanceof SendOp && this.#ended(target.dest)) {
      this.#out.drop(target);
      throw unnamedError(
        `rank ${target.dest} has finished, so this message (tag ${target.tag}, ${target.bytes.byteLength} bytes` +
          `${target.partly ? ", partly transferred" : ""}) can never be received`,
        "MPI_ERR_OTHER",
      );
    }
    if (kind === W_SLOTS && this.#ended(this.slots.waitingFor)) {
      throw unnamedError(`rank ${this.slots.waitingFor} has finished without joining this collective`, "MPI_ERR_OTHER");
    }
    return kind === W_SENDS && this.#out.onlyTo((r) => this.#ended(r));
  }

  /** One round of progress on every ring. Returns true if anything moved. */
  #progress(): boolean {
    const out = this.#out.progress();
    return this.#in.progress() || out;
  }

  /** True once rank `r` has finalized (or failed): it will never read or send again. */
  #ended(r: number): boolean {
    return isEnded(this.#ctl, activityBase(this.layout, r));
  }

  // ---- job control -----------------------------------------------------------

  /** Stops the whole job. */
  abort(code: number, message: string): never {
    raiseAbort(this.#sab, code, this.rank);
    this.#onAbort?.(code, message);
    this.#closed = true;
    throw new AbortSignalled(code, message);
  }

  /**
   * Completes every pending send whose receiver is still running, then closes this endpoint. Returns what will never
   * be received: messages that arrived here and no receive took, receives started and never waited for, and this
   * rank's sends to ranks that have ended.
   */
  finalize(exit = false): Leftover[] {
    if (this.#closed) return [];
    this.enter(C_FINALIZE, -1, -1, -1);
    try {
      if (this.#out.pending > 0) this.#block(W_SENDS, null);
    } finally {
      this.leave();
    }
    this.#progress(); // take in what has arrived, for the leftover check
    const left = [...this.#in.leftovers(this.#open), ...this.#out.leftovers(this.rank)];
    this.#closed = true;
    this.#activity.finish(exit);
    // Ranks finishing their own sends to this one stop waiting for it now.
    for (let r = 0; r < this.size; r++) if (r !== this.rank) wake(this.#ctl, this.layout.doorbellWord, r);
    return left;
  }

  /** Marks the endpoint closed without draining (the job is being torn down). */
  close(): void {
    this.#closed = true;
  }

  /** True once the job has ended or is being stopped (plain reads of a line nobody writes until then). */
  #stopped(): boolean {
    return this.#ctl[H_ENDED] !== 0 || this.#ctl[H_ABORT] !== 0;
  }

  #live(): void {
    if (this.#closed || this.#stopped()) {
      if (!this.#closed && this.#ctl[H_ENDED] === 0) this.#waiter.checkAbort();
      throw unusable(this.rank, this.#ctl[H_ENDED] !== 0);
    }
  }
}

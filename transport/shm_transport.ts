/**
 * The shared-memory backend: one rank's endpoint on the job's rings.
 *
 * The data path of one message reads forward through these files:
 * `Comm.send` → `codec.ts` (kind + bytes) → `ring.ts` (frame into the ring
 * to the destination) → `wait.ts` (doorbell, if the receiver sleeps) →
 * `progressIn` here (frame out of the ring) → `matcher.ts` (posted receive
 * or unexpected queue) → `Comm.recv`.
 *
 * Sends that do not fit into the ring at once queue per destination and
 * stream as space frees up; every wait of this rank keeps that streaming and
 * the draining of all incoming rings going, so two ranks that send to each
 * other at once make progress.
 *
 * @module
 */

import { SpmdError, TruncateError } from "../errors.ts";
import type { Status } from "../status.ts";
import { allocTyped, bytesOf, decode, encode, KIND_DATAVIEW, KIND_NUMBER, KIND_TYPED_LAST, kindName } from "./codec.ts";
import { Matcher, Message, RecvOp } from "./matcher.ts";
import { HEADER_BYTES, pad8, Ring } from "./ring.ts";
import { Activity, isEnded } from "./activity.ts";
import { activityBase, attachShm, H_ABORT, H_ENDED, raiseAbort, type ShmLayout } from "./shm_layout.ts";
import type { Leftover, PendingOp, Transport } from "./transport.ts";
import { callCode } from "./calls.ts";
import { ring as wake, SPIN_DEDICATED, SPIN_OVERSUBSCRIBED, Waiter } from "./wait.ts";

const C_FINALIZE = callCode("finalize");

/** Largest chunk published at once while streaming, so the receiver can copy out while we copy in. */
const CHUNK = 64 * 1024;

/**
 * Default bound of a rank's unexpected-message queue (messages that arrived
 * before a matching receive was posted): 1 GiB of payload or 1,048,576
 * messages. Past it, the rank fails with an error naming the senders,
 * rather than growing until the process runs out of memory.
 */
export const UNEXPECTED_LIMIT_BYTES = 1024 * 1024 * 1024;
/** Default bound on the number of unexpected messages. */
export const UNEXPECTED_LIMIT_MESSAGES = 1 << 20;

/** A send waiting for ring space. */
class SendOp implements PendingOp {
  done = false;
  headerDone = false;
  offset = 0;
  constructor(
    readonly dest: number,
    readonly tag: number,
    readonly context: number,
    readonly kind: number,
    readonly bytes: Uint8Array,
    readonly call: string,
  ) {}
}

/** A finished send (fast path). */
const SENT: PendingOp = { done: true };

/** A receive request as seen by `test`/`wait`. */
class RecvRequest implements PendingOp {
  constructor(readonly op: RecvOp) {}
  get done(): boolean {
    const m = this.op.msg;
    return m !== null && m.done;
  }
}

/** Options of {@linkcode ShmTransport}. */
export interface ShmTransportOptions {
  /** The job's shared memory. */
  sab: SharedArrayBuffer;
  /** This rank. */
  rank: number;
  /** Polls before a wait goes to sleep (default: by cores and ranks). */
  spin?: number;
  /** Tells the launcher that this rank aborts the job (set by the worker bootstrap). */
  onAbort?: (code: number, message: string) => void;
  /** Bound of the unexpected queue in payload bytes (default {@linkcode UNEXPECTED_LIMIT_BYTES}). */
  unexpectedBytes?: number;
  /** Bound of the unexpected queue in messages (default {@linkcode UNEXPECTED_LIMIT_MESSAGES}). */
  unexpectedMessages?: number;
}

/** One rank's endpoint on the shared-memory rings. */
export class ShmTransport implements Transport {
  /** This rank in the world. */
  readonly rank: number;
  /** Number of ranks. */
  readonly size: number;
  /** The job's layout. */
  readonly layout: ShmLayout;
  #closed = false;
  readonly #sab: SharedArrayBuffer;
  readonly #ctl: Int32Array;
  readonly #activity: Activity;
  readonly #out: (Ring | null)[] = [];
  readonly #in: (Ring | null)[] = [];
  readonly #cur: (Message | null)[] = [];
  readonly #queue: SendOp[][] = [];
  #pendingOut = 0;
  #arrivals = 0;
  readonly #matcher = new Matcher();
  readonly #waiter: Waiter;
  readonly #onAbort?: (code: number, message: string) => void;
  readonly #limitBytes: number;
  readonly #limitMessages: number;
  /** Receives started by `irecv` and not yet waited for to completion. */
  readonly #open = new Set<RecvOp>();
  /** First message that arrived past the queue's bound, until the bound error is raised at a safe point. */
  #overflow: Message | null = null;

  /** Attaches rank `rank` to the job's shared memory. */
  constructor(options: ShmTransportOptions) {
    const { sab, rank } = options;
    const layout = attachShm(sab);
    this.layout = layout;
    this.rank = rank;
    this.size = layout.size;
    this.#sab = sab;
    this.#ctl = new Int32Array(sab, 0, layout.ringDataByte >> 2);
    this.#activity = new Activity(this.#ctl, activityBase(layout, rank), H_ABORT);
    for (let p = 0; p < layout.size; p++) {
      this.#out.push(p === rank ? null : new Ring(sab, layout, rank, p));
      this.#in.push(p === rank ? null : new Ring(sab, layout, p, rank));
      this.#cur.push(null);
      this.#queue.push([]);
    }
    const cores = navigator.hardwareConcurrency || 1;
    const spin = options.spin ??
      (layout.size <= cores ? SPIN_DEDICATED : SPIN_OVERSUBSCRIBED);
    this.#waiter = new Waiter(this.#ctl, layout.doorbellWord, rank, spin, this.#activity);
    this.#onAbort = options.onAbort;
    this.#limitBytes = options.unexpectedBytes ?? UNEXPECTED_LIMIT_BYTES;
    this.#limitMessages = options.unexpectedMessages ?? UNEXPECTED_LIMIT_MESSAGES;
    this.#activity.start();
  }

  /** True once the job has ended for this rank. */
  get closed(): boolean {
    return this.#closed;
  }

  // ---- activity (the one place where a call is recorded) --------------------

  /** Records the start of an spmd call (outermost only). */
  enter(call: number, peer: number, tag: number, context: number): void {
    this.#activity.enter(call, peer, tag, context);
  }

  /** Records the end of the call recorded by `enter` (frozen once the job is being stopped). */
  leave(): void {
    this.#activity.leave();
  }

  // ---- sending ---------------------------------------------------------------

  /** Blocking standard-mode send. */
  send(
    value: unknown,
    dest: number,
    tag: number,
    context: number,
    call: string,
  ): void {
    this.#live(call);
    if (dest === this.rank) return this.#sendSelf(value, tag, context, call);
    const r = this.#out[dest]!;
    const q = this.#queue[dest];
    if (
      typeof value === "number" && q.length === 0 &&
      r.freeFor(HEADER_BYTES + 8) >= HEADER_BYTES + 8
    ) {
      r.writeHeader(8, tag, context, KIND_NUMBER);
      r.writeF64(value);
      this.#publish(r, dest);
      return;
    }
    const { kind, bytes } = encode(value, call);
    const len = bytes.length;
    if (
      q.length === 0 &&
      r.freeFor(HEADER_BYTES + pad8(len)) >= HEADER_BYTES + pad8(len) &&
      len <= CHUNK
    ) {
      r.writeHeader(len, tag, context, kind);
      r.writeBytes(bytes, 0, len);
      r.alignHead();
      this.#publish(r, dest);
      return;
    }
    const op = new SendOp(dest, tag, context, kind, bytes, call);
    q.push(op);
    this.#pendingOut++;
    this.#waitOp(op);
  }

  /** Starts a send. */
  isend(
    value: unknown,
    dest: number,
    tag: number,
    context: number,
    call: string,
  ): PendingOp {
    this.#live(call);
    if (dest === this.rank) {
      this.#sendSelf(value, tag, context, call);
      return SENT;
    }
    const { kind, bytes } = encode(value, call);
    const op = new SendOp(dest, tag, context, kind, bytes, call);
    this.#queue[dest].push(op);
    this.#pendingOut++;
    this.#pushOut(dest);
    return op;
  }

  #publish(r: Ring, dest: number): void {
    r.publish();
    this.#activity.sent();
    wake(this.#ctl, this.layout.doorbellWord, dest);
  }

  /** Streams queued sends to `dest` as far as ring space allows. */
  #pushOut(dest: number): boolean {
    const q = this.#queue[dest];
    const r = this.#out[dest]!;
    let moved = false;
    while (q.length > 0) {
      const op = q[0];
      const len = op.bytes.length;
      if (!op.headerDone) {
        if (r.freeFor(HEADER_BYTES) < HEADER_BYTES) break;
        r.writeHeader(len, op.tag, op.context, op.kind);
        op.headerDone = true;
        moved = true;
      }
      let free = r.freeFor(8);
      while (op.offset < len && free >= 8) {
        const left = len - op.offset;
        let n = free & ~7;
        if (n > CHUNK) n = CHUNK;
        if (n >= left) {
          r.writeBytes(op.bytes, op.offset, left);
          r.alignHead();
          op.offset = len;
        } else {
          r.writeBytes(op.bytes, op.offset, n);
          op.offset += n;
        }
        r.publish();
        wake(this.#ctl, this.layout.doorbellWord, dest);
        moved = true;
        free = r.freeFor(8);
      }
      if (op.offset < len) break;
      r.publish();
      this.#activity.sent();
      wake(this.#ctl, this.layout.doorbellWord, dest);
      op.done = true;
      q.shift();
      this.#pendingOut--;
    }
    return moved;
  }

  #sendSelf(value: unknown, tag: number, context: number, call: string): void {
    const { kind, bytes } = encode(value, call);
    const m = new Message(this.rank, tag, context, kind, bytes.length);
    const op = this.#matcher.arrive(m);
    if (op === null) {
      try {
        this.#checkBound(m);
      } catch (e) {
        this.#matcher.drop(m); // not sent: take it back out
        throw e;
      }
    }
    this.#prepare(m, op);
    if (kind === KIND_NUMBER) {
      m.value = new Float64Array(bytes.buffer, bytes.byteOffset, 1)[0];
    } else if (m.bytes !== null) m.bytes.set(bytes);
    m.received = m.length;
    m.done = true;
    this.#arrivals++;
    this.#activity.sent();
    this.#activity.received();
  }

  // ---- receiving -------------------------------------------------------------

  /** Chooses where the payload of a just-arrived message goes. */
  #prepare(m: Message, op: RecvOp | null): void {
    const kind = m.kind;
    const typed = kind >= 1 && kind <= KIND_TYPED_LAST;
    if (op !== null && op.into !== null) {
      // recvInto: stream straight into the caller's buffer when it fits.
      if (typed && m.length <= op.into.byteLength) {
        m.bytes = bytesOf(op.into);
        m.value = op.into;
      }
      return; // otherwise discard; the receive reports the error
    }
    if (typed) {
      const v = allocTyped(kind, m.length);
      m.value = v;
      m.bytes = kind === KIND_DATAVIEW ? new Uint8Array((v as DataView).buffer) : bytesOf(v);
    } else if (kind !== KIND_NUMBER) {
      m.bytes = new Uint8Array(m.length);
    }
  }

  /** Drains the ring from `src`; returns true if anything moved. */
  #pullIn(src: number): boolean {
    const r = this.#in[src]!;
    const avail = r.available();
    if (avail === 0) return false;
    let used = 0;
    while (avail > used) {
      let m = this.#cur[src];
      if (m === null) {
        // Headers are always published whole.
        const length = (r.headerWord(used, 0) >>> 0) +
          (r.headerWord(used, 1) >>> 0) * 4294967296;
        m = new Message(
          src,
          r.headerWord(used, 2),
          r.headerWord(used, 3),
          r.headerWord(used, 4),
          length,
        );
        used += HEADER_BYTES;
        this.#arrivals++;
        const op = this.#matcher.arrive(m);
        if (op === null && this.#overflow === null && this.#overBound()) this.#overflow = m;
        this.#prepare(m, op);
        this.#cur[src] = m;
      }
      const padded = pad8(m.length);
      let n = padded - m.received;
      if (n > avail - used) n = avail - used;
      if (n > 0) {
        if (m.kind === KIND_NUMBER) m.value = r.readF64(used);
        else if (m.bytes !== null) {
          let copy = m.length - m.received;
          if (copy > n) copy = n;
          r.readBytes(used, m.bytes, m.received, copy);
        }
        m.received += n;
        used += n;
      }
      if (m.received !== padded) break;
      m.received = m.length;
      m.done = true;
      this.#cur[src] = null;
      this.#activity.received();
    }
    r.release(used);
    wake(this.#ctl, this.layout.doorbellWord, src);
    return true;
  }

  /**
   * Throws the unexpected-queue bound error if the queue went past its bound.
   * Called only at safe points: where the current call has claimed no
   * message, so that a caller who catches the error and carries on loses
   * nothing and sees nothing twice (the frames are already in the queue).
   */
  #raiseOverflow(): void {
    const m = this.#overflow;
    if (m === null) return;
    this.#overflow = null;
    this.#checkBound(m);
  }

  #overBound(): boolean {
    const mt = this.#matcher;
    return mt.unexpectedBytes > this.#limitBytes || mt.unexpectedCount > this.#limitMessages;
  }

  /** Fails clearly when the unexpected queue outgrows its bound. */
  #checkBound(m: Message): void {
    const mt = this.#matcher;
    if (!this.#overBound()) return;
    const bySource = new Map<number, number>();
    for (const u of mt.unexpectedList()) bySource.set(u.source, (bySource.get(u.source) ?? 0) + 1);
    const top = [...bySource].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([s, n]) => `${n} from rank ${s}`);
    throw new SpmdError(
      `rank ${this.rank}: ${mt.unexpectedCount} messages (${mt.unexpectedBytes} bytes) arrived that no receive has ` +
        `taken, past the bound of ${this.#limitMessages} messages / ${this.#limitBytes} bytes (${top.join(", ")}; ` +
        `latest: tag ${m.tag} from rank ${m.source}): a rank is sending faster than this one receives`,
      "MPI_ERR_NO_MEM",
    );
  }

  /** One round of progress on every ring. Returns true if anything moved. */
  #progress(): boolean {
    let moved = false;
    if (this.#pendingOut > 0) {
      for (let d = 0; d < this.size; d++) {
        if (this.#queue[d].length > 0 && this.#pushOut(d)) moved = true;
      }
    }
    const inn = this.#in;
    for (let s = 0; s < inn.length; s++) {
      if (inn[s] !== null && this.#pullIn(s)) moved = true;
    }
    return moved;
  }

  /** The value of a complete message, and its status. */
  #finish(m: Message, status: Status | null, call: string): unknown {
    if (status !== null) {
      status.source = m.source;
      status.tag = m.tag;
      status.bytes = m.length;
    }
    if (m.kind === KIND_NUMBER || (m.kind >= 1 && m.kind <= KIND_TYPED_LAST)) {
      return m.value;
    }
    return decode(m.kind, m.bytes!, call, m.source, m.tag);
  }

  /** Waits until `m` is complete. */
  #waitMessage(m: Message): void {
    if (m.done) return;
    const w = this.#waiter;
    w.begin();
    try {
      while (!m.done) if (!this.#progress()) w.idle();
    } finally {
      w.end();
    }
  }

  /** Blocking receive. */
  recv(
    source: number,
    tag: number,
    context: number,
    status: Status | null,
    call: string,
  ): unknown {
    this.#live(call);
    const matcher = this.#matcher;
    let m = matcher.unexpectedCount > 0 ? matcher.take(source, tag, context) : null;
    if (m === null) {
      const w = this.#waiter;
      w.begin();
      try {
        for (;;) {
          const before = this.#arrivals;
          if (this.#progress()) {
            if (
              this.#arrivals !== before &&
              (m = matcher.take(source, tag, context)) !== null
            ) break;
            this.#raiseOverflow(); // nothing claimed yet
          } else if (source >= 0 && this.#ended(source)) {
            // Its last frames are in the ring before its "ended" mark: take them in.
            this.#progress();
            if ((m = matcher.take(source, tag, context)) !== null) break;
            throw this.#noSender(call, source, tag);
          } else w.idle();
        }
      } finally {
        w.end();
      }
    }
    this.#waitMessage(m);
    return this.#finish(m, status, call);
  }

  /** Blocking receive into a caller's typed array. */
  recvInto(
    into: ArrayBufferView,
    source: number,
    tag: number,
    context: number,
    status: Status | null,
    call: string,
  ): void {
    this.#live(call);
    const op = new RecvRequest(this.#post(source, tag, context, into, call));
    try {
      this.wait(op, status);
    } catch (e) {
      // Withdraw a receive that matched nothing, so no later message goes to it.
      if (op.op.msg === null) this.#matcher.cancel(op.op);
      throw e;
    }
  }

  /** Starts a receive; until it is waited for, finalize reports it as left pending. */
  irecv(
    source: number,
    tag: number,
    context: number,
    into: ArrayBufferView | null,
    call: string,
  ): PendingOp {
    this.#live(call);
    const op = this.#post(source, tag, context, into, call);
    this.#open.add(op);
    return new RecvRequest(op);
  }

  /** Posts a receive to the matcher. */
  #post(source: number, tag: number, context: number, into: ArrayBufferView | null, call: string): RecvOp {
    const op = new RecvOp(source, tag, context, into, call);
    const m = this.#matcher.post(op);
    if (m !== null && into !== null && m.bytes !== null) {
      // Matched a message that arrived earlier: move it into the caller's
      // buffer; if it is still streaming, the rest lands there directly.
      if (
        m.kind >= 1 && m.kind <= KIND_TYPED_LAST && m.length <= into.byteLength
      ) {
        const dst = bytesOf(into);
        const have = m.received < m.length ? m.received : m.length;
        dst.set(m.bytes.subarray(0, have));
        m.bytes = dst;
        m.value = into;
      }
    }
    return op;
  }

  /** Completes a receive's result or throws its error. */
  #recvResult(op: RecvOp, status: Status | null): unknown {
    const m = op.msg!;
    this.#open.delete(op);
    if (op.into !== null) {
      const typed = m.kind >= 1 && m.kind <= KIND_TYPED_LAST;
      if (!typed) {
        throw new SpmdError(
          `${op.call}: message from rank ${m.source} (tag ${m.tag}) is a ${
            kindName(m.kind)
          }, not a typed array; it was consumed`,
          "MPI_ERR_TYPE",
        );
      }
      if (m.length > op.into.byteLength) {
        throw new TruncateError(
          `${op.call}: message of ${m.length} bytes from rank ${m.source} (tag ${m.tag}) does not fit the ${op.into.constructor.name} of ${op.into.byteLength} bytes; it was consumed (MPI_ERR_TRUNCATE)`,
        );
      }
      if (status !== null) {
        status.source = m.source;
        status.tag = m.tag;
        status.bytes = m.length;
      }
      return undefined;
    }
    return this.#finish(m, status, op.call);
  }

  /** Reports whether `op` has completed, making progress first. */
  test(op: PendingOp): boolean {
    this.#live("test");
    if (!op.done) {
      this.#progress();
      if (!op.done && (!(op instanceof RecvRequest) || op.op.msg === null)) this.#raiseOverflow();
    }
    return op.done;
  }

  /** Waits for a pending op; returns the value of a receive. */
  wait(op: PendingOp, status: Status | null): unknown {
    this.#live("wait");
    if (op instanceof RecvRequest) {
      const rop = op.op;
      if (rop.msg === null) {
        const w = this.#waiter;
        w.begin();
        try {
          while (rop.msg === null) {
            if (this.#progress()) {
              if (rop.msg === null) this.#raiseOverflow(); // the request stays posted
            } else if (rop.source >= 0 && this.#ended(rop.source)) {
              this.#progress();
              if (rop.msg === null) throw this.#noSender(rop.call, rop.source, rop.tag);
            } else w.idle();
          }
        } finally {
          w.end();
        }
      }
      this.#waitMessage(rop.msg!);
      return this.#recvResult(rop, status);
    }
    this.#waitOp(op);
    return undefined;
  }

  #waitOp(op: PendingOp): void {
    if (op.done) return;
    const w = this.#waiter;
    w.begin();
    try {
      while (!op.done) {
        if (this.#progress()) continue;
        if (op instanceof SendOp && this.#ended(op.dest)) this.#dropSend(op);
        w.idle();
      }
    } finally {
      w.end();
    }
  }

  /** True once rank `r` has finalized (or failed): it will never read or send again. */
  #ended(r: number): boolean {
    return isEnded(this.#ctl, activityBase(this.layout, r));
  }

  /** Gives up a send whose receiver has ended, and says so. */
  #dropSend(op: SendOp): never {
    const q = this.#queue[op.dest];
    const i = q.indexOf(op);
    if (i >= 0) {
      q.splice(i, 1);
      this.#pendingOut--;
    }
    throw new SpmdError(
      `${op.call}: rank ${op.dest} has finished, so this message (tag ${op.tag}, ${op.bytes.length} bytes` +
        `${op.headerDone ? ", partly transferred" : ""}) can never be received`,
      "MPI_ERR_OTHER",
    );
  }

  /** The error of a receive from a specific rank that has ended without sending a match. */
  #noSender(call: string, source: number, tag: number): SpmdError {
    return new SpmdError(
      `${call}: rank ${source} has finished without sending a matching message (tag ${tag === -1 ? "ANY_TAG" : tag}` +
        `); this receive can never complete`,
      "MPI_ERR_OTHER",
    );
  }

  // ---- probing ---------------------------------------------------------------

  /** Non-blocking probe. */
  iprobe(
    source: number,
    tag: number,
    context: number,
    status: Status,
  ): boolean {
    this.#live("iprobe");
    this.#progress();
    this.#raiseOverflow();
    const m = this.#matcher.peek(source, tag, context);
    if (m === null) return false;
    status.source = m.source;
    status.tag = m.tag;
    status.bytes = m.length;
    return true;
  }

  /** Blocking probe. */
  probe(source: number, tag: number, context: number, status: Status): void {
    this.#live("probe");
    const w = this.#waiter;
    w.begin();
    try {
      for (;;) {
        const m = this.#matcher.peek(source, tag, context);
        if (m !== null) {
          status.source = m.source;
          status.tag = m.tag;
          status.bytes = m.length;
          return;
        }
        if (!this.#progress()) w.idle();
        else this.#raiseOverflow();
      }
    } finally {
      w.end();
    }
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
   * Completes every pending send whose receiver is still running, then
   * closes this endpoint. Returns the messages that will never be received:
   * those that arrived here and no receive took, and this rank's sends
   * whose receiver has ended. Never waits for a rank that has finished.
   * `exit` marks the rank as ended by `Deno.exit(0)`, for reports.
   */
  finalize(exit = false): Leftover[] {
    if (this.#closed) return [];
    const w = this.#waiter;
    this.enter(C_FINALIZE, -1, -1, -1);
    w.begin();
    try {
      while (this.#pendingOut > 0) {
        if (this.#progress()) continue;
        if (this.#sendsOnlyToEnded()) break;
        w.idle();
      }
    } finally {
      w.end();
      this.leave();
    }
    this.#progress(); // take in what has arrived, for the leftover check
    const left: Leftover[] = [];
    for (const m of this.#matcher.unexpectedList()) {
      left.push({ source: m.source, dest: this.rank, tag: m.tag, context: m.context, bytes: m.length, whole: m.done });
    }
    for (const op of this.#open) {
      const m = op.msg;
      left.push(
        m === null
          ? { source: op.source, dest: this.rank, tag: op.tag, context: op.context, bytes: -1, whole: false }
          : { source: m.source, dest: this.rank, tag: m.tag, context: m.context, bytes: m.length, whole: m.done },
      );
    }
    for (let src = 0; src < this.size; src++) {
      const m = this.#cur[src];
      if (m !== null && m.recv !== null && !this.#open.has(m.recv)) {
        left.push({ source: m.source, dest: this.rank, tag: m.tag, context: m.context, bytes: m.length, whole: false });
      }
    }
    for (const q of this.#queue) {
      for (const op of q) {
        left.push({
          source: this.rank,
          dest: op.dest,
          tag: op.tag,
          context: op.context,
          bytes: op.bytes.length,
          whole: false,
        });
      }
    }
    this.#closed = true;
    this.#activity.finish(exit);
    // Ranks finishing their own sends to this one stop waiting for it now.
    for (let r = 0; r < this.size; r++) if (r !== this.rank) wake(this.#ctl, this.layout.doorbellWord, r);
    return left;
  }

  /** True when every rank that this one still has queued sends for has ended (so will never read them). */
  #sendsOnlyToEnded(): boolean {
    for (let d = 0; d < this.size; d++) {
      if (this.#queue[d].length > 0 && !this.#ended(d)) return false;
    }
    return true;
  }

  /** Marks the endpoint closed without draining (the job is being torn down). */
  close(): void {
    this.#closed = true;
  }

  #live(call: string): void {
    if (this.#closed || this.#ctl[H_ENDED] !== 0 || this.#ctl[H_ABORT] !== 0) {
      if (!this.#closed && this.#ctl[H_ENDED] === 0) this.#waiter.checkAbort();
      throw new SpmdError(
        `${call}: the communicator is no longer usable: ` +
          (this.#ctl[H_ENDED] !== 0
            ? "this rank's job has ended"
            : `rank ${this.rank} has finalized (its program and all its pending work had finished, or it called ` +
              `Deno.exit); await every async function that uses spmd before the module's top level returns`),
        "MPI_ERR_COMM",
      );
    }
  }
}

/** Thrown by `abort` in the rank that called it, to unwind its stack. */
export class AbortSignalled extends Error {
  /** The abort code. */
  readonly code: number;
  /** Creates the unwinding signal. */
  constructor(code: number, message: string) {
    super(message);
    this.name = "AbortSignalled";
    this.code = code;
  }
}

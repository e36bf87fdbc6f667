/**
 * One rank's incoming side: frames are taken out of the rings from every
 * other rank, each message is matched the moment its header arrives
 * (`matcher.ts`: a posted receive, or the unexpected queue), and its payload
 * streams straight to where it will stay — the caller's buffer for a
 * matching `recvInto`, else a fresh typed array or byte buffer. A rendezvous
 * frame brings no payload: once its message is matched to a receive, the
 * bytes are copied straight from the sender's heap (`rendezvous.ts`); until
 * then it waits in the unexpected queue holding no memory here.
 *
 * The unexpected queue is bounded. Going past the bound is noted here and
 * raised by {@linkcode Inbox.raiseOverflow} only where the current call has
 * not yet claimed a message, so a caller who catches the error and carries
 * on loses nothing and sees nothing twice.
 *
 * @module
 */

import { ANY_SOURCE, ANY_TAG } from "../constants.ts";
import { SpmdError } from "../errors.ts";
import type { Activity } from "./activity.ts";
import { KIND_NUMBER, KIND_STRUCTURED } from "./codec.ts";
import { allocTyped, bytesOf, ELEMENT_BYTES, isTypedKind, KIND_DATAVIEW, KIND_TYPED_LAST, typedCtor } from "./typed.ts";
import { Matcher, Message, moveInto, type RecvOp } from "./matcher.ts";
import type { OpenRecvs } from "./open_recvs.ts";
import { acknowledger, KIND_MASK, MatchingOps, type ProbeHost } from "./_probe.ts";
import { IN_CELL, IN_RING, pad8, type Ring, STREAMED } from "./ring.ts";
import { type HeapUser, overlaps, type Rendezvous } from "./rendezvous.ts";
import type { Leftover } from "./transport.ts";
import { relaxSometimes, ring as wake } from "./wait.ts";

/** Bytes of one slab of small unexpected payloads. */
const SLAB_BYTES = 64 * 1024;
/** Largest payload carved from a slab. */
const SLAB_MAX = 1024;

/** The incoming rings of one rank, its matcher and its unexpected-queue bound (a {@linkcode HeapUser}: `free` asks it). */
export class Inbox implements HeapUser {
  /** Posted receives and the unexpected queue. */
  readonly matcher: Matcher = new Matcher();
  /** Messages whose header has arrived, ever (changes when something new can match). */
  arrivals = 0;
  readonly #rank: number;
  /**
   * Messages taken in from each sender so far, as int32 (numbers them, for a trace, wrapping as the sender's
   * count does: trace.ts). Small integers in a plain array: a Float64Array's loads are doubles, which made
   * `Message.pair` a boxed double field (and so would a count past 2^31).
   */
  readonly #pairs: number[];
  readonly #rings: (Ring | null)[];
  readonly #cur: (Message | null)[] = [];
  readonly #ctl: Int32Array;
  readonly #doorbell: number;
  readonly #activity: Activity;
  readonly #limitBytes: number;
  readonly #limitMessages: number;
  #overflow: Message | null = null;
  /** The slab that small unexpected payloads are carved from, and its next free byte. */
  #slab: ArrayBuffer | null = null;
  #slabAt = 0;
  /** Sends the acknowledgement of a synchronous message that has matched (set by `matching`). */
  #ack: (m: Message) => void = () => {};
  readonly #rdv: Rendezvous | null;
  /** The record `direct` returns, and the byte view of the array it last received into. */
  readonly #direct: Message = new Message(0, 0, 0, 0, 0);
  #into: ArrayBufferView | null = null;
  #intoBytes: Uint8Array = new Uint8Array(0);
  /** Per sender, messages `direct` has taken since the sender was last woken (it is woken at 8, and by a pull). */
  readonly #unannounced: Int32Array;

  /** The rings from each rank (null for this rank itself), the queue's bound, and the rendezvous side. */
  constructor(
    rank: number,
    rings: (Ring | null)[],
    ctl: Int32Array,
    doorbellWord: number,
    activity: Activity,
    limits: { bytes: number; messages: number },
    rdv: Rendezvous | null = null,
  ) {
    this.#rank = rank;
    this.#rdv = rdv;
    rdv?.watch(this);
    this.#rings = rings;
    for (let i = 0; i < rings.length; i++) this.#cur.push(null);
    this.#pairs = new Array<number>(rings.length).fill(0);
    this.#unannounced = new Int32Array(rings.length);
    this.#ctl = ctl;
    this.#doorbell = doorbellWord;
    this.#activity = activity;
    this.#direct.done = true;
    this.#limitBytes = limits.bytes;
    this.#limitMessages = limits.messages;
  }

  /** Drains every incoming ring; true if anything moved. */
  progress(): boolean {
    let moved = false;
    const rings = this.#rings;
    for (let s = 0; s < rings.length; s++) {
      if (rings[s] !== null && this.#pull(s)) moved = true;
    }
    return moved;
  }

  /** A message this rank sends itself: it arrives whole at once. Throws (sending nothing) past the bound. */
  arriveSelf(kind: number, bytes: Uint8Array, tag: number, context: number): void {
    const m = new Message(this.#rank, tag, context, kind & KIND_MASK, bytes.byteLength);
    m.sync = kind > KIND_MASK;
    m.pair = this.#pairFrom(this.#rank);
    const op = this.matcher.arrive(m);
    if (op !== null && m.sync) this.#ack(m);
    if (op === null && this.#overBound()) {
      this.matcher.drop(m);
      this.#boundError(m);
    }
    this.#prepare(m, op);
    if (m.kind === KIND_NUMBER) m.value = new Float64Array(bytes.buffer, bytes.byteOffset, 1)[0];
    else if (m.bytes !== null) m.bytes.set(bytes);
    m.received = m.length;
    m.done = true;
    this.arrivals = (this.arrivals + 1) | 0;
    this.#activity.sent();
    this.#activity.received();
  }

  /** The number of the next message from `src` (int32, wrapping as the sender's trace count does). */
  #pairFrom(src: number): number {
    const p = this.#pairs[src];
    this.#pairs[src] = (p + 1) | 0;
    return p;
  }

  /**
   * The common blocking `recvInto` from one sender, without posting a
   * receive: when nothing could take the frame before this receive (no
   * posted receive, nothing queued from `src`, no message streaming in from
   * it), looks at the head of the ring from `src` up to `spins` times; if a
   * whole typed frame is there that matches and fits `into`, copies it
   * straight into `into` and returns a record of it (reused by the next
   * call). Else null, having taken nothing: the caller posts the receive as
   * usual.
   */
  direct(into: ArrayBufferView, src: number, tag: number, context: number, spins: number): Message | null {
    const r = this.#rings[src];
    if (r === null || this.#cur[src] !== null || !this.matcher.quiet(src)) return null;
    if (!r.nextHeader() && !this.#poll(r, src, spins)) return null;
    const length = r.hLength;
    const kind = r.hKind;
    if (
      r.hContext !== context || (tag !== r.hTag && (tag !== ANY_TAG || r.hTag < 0)) || r.hRdv !== 0 ||
      kind < 1 || kind > KIND_TYPED_LAST || length > into.byteLength
    ) return null; // also a synchronous send (its kind carries SYNC, above KIND_TYPED_LAST)
    const dst = this.#viewOf(into);
    // Payloads past a cell's are read out of line: V8 inlines what is left into this whatever sizes were received.
    if (r.hWhere === IN_CELL) r.readInline(dst, 0, length);
    else if (!this.#readRing(r, dst, length)) return null;
    r.takeCell(); // stored at once: room the sender can use even if this rank goes off to compute
    // A sender asleep for want of room is woken every 8th message from it and before this rank waits (above, and
    // the wait loop's pulls); a wait for room also sleeps at most a millisecond (Waiter).
    if (++this.#unannounced[src] >= 8) {
      this.#unannounced[src] = 0;
      wake(this.#ctl, this.#doorbell, src);
    }
    // The record is reused (Transport.recvInto): a message per receive would keep the garbage collector busy.
    const m = this.#direct;
    m.source = src;
    m.tag = r.hTag;
    m.context = context;
    m.kind = kind;
    m.length = length;
    m.pair = this.#pairFrom(src);
    m.bytes = dst;
    m.value = into;
    m.received = length;
    this.arrivals = (this.arrivals + 1) | 0;
    this.#activity.received();
    return m;
  }

  /** direct found no frame: stores what was passed lazily, wakes the sender if it sleeps for room, and polls. */
  #poll(r: Ring, src: number, spins: number): boolean {
    r.flush();
    this.#unannounced[src] = 0;
    wake(this.#ctl, this.#doorbell, src);
    relaxSometimes();
    for (let i = 0; i < spins; i++) if (r.nextHeader()) return true;
    return false;
  }

  /** A byte view of `into`, made once for a buffer received into again and again. */
  #viewOf(into: ArrayBufferView): Uint8Array {
    return this.#into === into && this.#intoBytes.byteLength === into.byteLength
      ? this.#intoBytes
      : this.#bytesOf(into);
  }

  #bytesOf(into: ArrayBufferView): Uint8Array { // #viewOf's miss, out of line
    this.#into = into;
    return this.#intoBytes = bytesOf(into);
  }

  /** direct's copy of a payload that is not in its cell: false, taking nothing, while it is still streaming in. */
  #readRing(r: Ring, dst: Uint8Array, length: number): boolean {
    const padded = pad8(length);
    if (r.hWhere === IN_RING) {
      const skip = r.skipAt(0, length);
      r.readBytes(skip, dst, 0, length);
      r.passRing(skip + padded); // the producer infers these bytes from `taken`
      return true;
    }
    if (r.available() < padded) return false; // the general path takes it piece by piece
    r.readBytes(0, dst, 0, length);
    r.release(padded);
    return true;
  }

  /** Removes and returns the oldest matching unexpected message (a rendezvous one is copied in now), or null. */
  take(source: number, tag: number, context: number): Message | null {
    const m = this.matcher.take(source, tag, context);
    if (m !== null && m.sync) this.#ack(m);
    if (m !== null && m.rdv >= 0 && !m.done) {
      this.#prepare(m, null);
      this.#land(m);
    }
    return m;
  }

  /** Matched probes and cancels on this inbox for backend `t`, whose receives not yet waited for are `open` (_probe.ts). */
  matching(t: ProbeHost, open: OpenRecvs): MatchingOps {
    this.#ack = acknowledger(t);
    return new MatchingOps(t, this, open);
  }

  /** Posts a receive: matches it against the queue, moving an earlier typed message into `into`. */
  post(op: RecvOp): void {
    const m = this.matcher.post(op);
    if (m !== null && m.sync) this.#ack(m);
    if (m !== null && m.rdv >= 0 && !m.done) {
      this.#prepare(m, op);
      this.#land(m);
      return;
    }
    if (m !== null) moveInto(m, op.into); // if it is still streaming, the rest lands in the caller's buffer
  }

  /** A receive that will still write into bytes [start, end) of `buffer`, in words; else null. */
  using(buffer: ArrayBufferLike, start: number, end: number): string | null {
    for (const op of this.matcher.posted) {
      if (op.into !== null && overlaps(op.into, buffer, start, end)) {
        const from = op.source === ANY_SOURCE ? "any rank" : `rank ${op.source}`;
        return `a receive into this array from ${from} (tag ${
          op.tag === ANY_TAG ? "ANY_TAG" : op.tag
        }) has not completed`;
      }
    }
    for (const m of this.#cur) {
      if (m !== null && m.bytes !== null && overlaps(m.bytes, buffer, start, end)) {
        return `a receive into this array from rank ${m.source} (tag ${m.tag}) has not completed`;
      }
    }
    return null;
  }

  /** Throws the bound error if the queue went past its bound since the last call. */
  raiseOverflow(): void {
    const m = this.#overflow;
    if (m === null) return;
    this.#overflow = null;
    if (this.#overBound()) this.#boundError(m);
  }

  /**
   * What will never be received here: receives in `open` (started and never
   * waited for), messages that arrived and no receive took, and partial ones
   * matched to other receives.
   */
  leftovers(open: OpenRecvs): Leftover[] {
    const out: Leftover[] = [];
    const me = this.#rank;
    for (const op of open) {
      const m = op.msg;
      out.push(
        m === null
          ? { source: op.source, dest: me, tag: op.tag, context: op.context, bytes: -1, whole: false }
          : { source: m.source, dest: me, tag: m.tag, context: m.context, bytes: m.length, whole: m.done },
      );
    }
    for (const m of this.matcher.unexpectedList()) {
      const whole = m.done || m.rdv >= 0; // a rendezvous payload is whole in its sender's heap
      out.push({ source: m.source, dest: me, tag: m.tag, context: m.context, bytes: m.length, whole });
    }
    for (const m of this.#cur) {
      if (m !== null && m.recv !== null && !open.has(m.recv)) {
        out.push({ source: m.source, dest: me, tag: m.tag, context: m.context, bytes: m.length, whole: false });
      }
    }
    return out;
  }

  /** Chooses where the payload of a just-arrived message goes. */
  #prepare(m: Message, op: RecvOp | null): void {
    const kind = m.kind;
    const typed = isTypedKind(kind);
    if (op !== null && op.into !== null) {
      // recvInto: straight into the caller's buffer when it fits; else
      // discarded, and the receive reports why.
      const into = op.into;
      if (typed && m.length <= into.byteLength) {
        m.bytes = this.#viewOf(into); // a window of receives into one buffer makes one view
        m.value = into;
      }
      return;
    }
    if (
      op === null && m.length <= SLAB_MAX && kind !== KIND_DATAVIEW && kind !== KIND_NUMBER &&
      kind !== KIND_STRUCTURED && // node:v8's deserialize returns typed arrays that view its input: not the slab
      (!typed || m.length % ELEMENT_BYTES[kind] === 0)
    ) {
      // Unexpected and small: a view of the slab (a fresh small typed array costs ~0.28 µs in Deno, a view ~0.01)
      const at = this.#carve(m.length);
      m.bytes = new Uint8Array(this.#slab!, at, m.length);
      if (typed) m.value = new (typedCtor(kind)!)(this.#slab!, at, m.length / ELEMENT_BYTES[kind]);
      m.slab = true;
    } else if (typed) {
      const v = allocTyped(kind, m.length);
      m.value = v;
      m.bytes = kind === KIND_DATAVIEW ? new Uint8Array((v as DataView).buffer) : bytesOf(v);
    } else if (kind !== KIND_NUMBER) {
      m.bytes = new Uint8Array(m.length);
    }
  }

  /** Offset in the slab of `n` fresh bytes (8-aligned); a full slab is left to the messages that view it. */
  #carve(n: number): number {
    if (this.#slab === null || this.#slabAt + n > SLAB_BYTES) {
      this.#slab = new ArrayBuffer(SLAB_BYTES);
      this.#slabAt = 0;
    }
    const at = this.#slabAt;
    this.#slabAt = at + pad8(n);
    return at;
  }

  /** Drains the ring from `src`; true if anything moved. */
  #pull(src: number): boolean {
    const r = this.#rings[src]!;
    let moved = false;
    let avail = -1; // published payload bytes in the byte ring, read when first needed
    let used = 0; // of them, consumed here
    for (;;) {
      let m = this.#cur[src];
      if (m === null) {
        if (!r.nextHeader()) break;
        moved = true;
        m = new Message(src, r.hTag, r.hContext, r.hKind & KIND_MASK, r.hLength);
        m.sync = r.hKind > KIND_MASK;
        m.pair = this.#pairFrom(src);
        m.rdv = r.hRdv - 1;
        this.arrivals = (this.arrivals + 1) | 0;
        const op = this.matcher.arrive(m);
        if (op !== null && m.sync) this.#ack(m);
        if (op === null && this.#overflow === null && this.#overBound()) this.#overflow = m;
        if (m.rdv >= 0) {
          // Header only: the payload is copied from the sender's heap once a receive takes it.
          r.passCell(); // stored by the flush below, once per pull
          if (op !== null) {
            this.#prepare(m, op);
            this.#land(m);
          }
          continue;
        }
        this.#prepare(m, op);
        if (r.hWhere === IN_CELL) {
          if (m.kind === KIND_NUMBER) m.value = r.inlineF64();
          else if (m.bytes !== null) r.readInline(m.bytes, 0, m.length);
        } else if (r.hWhere === IN_RING) {
          // Whole in the byte ring (the mark published it): no look at `head`.
          used += r.skipAt(used, m.length);
          if (m.kind === KIND_NUMBER) m.value = r.readF64(used);
          else if (m.bytes !== null) r.readBytes(used, m.bytes, 0, m.length);
          used += pad8(m.length);
        }
        if (r.hWhere !== STREAMED) {
          r.passCell();
          m.received = m.length;
          m.done = true;
          this.#activity.received();
          continue;
        }
        r.passCell();
        this.#cur[src] = m;
        avail = -1; // its payload may have been published after the last look
      }
      if (avail < 0) avail = r.available();
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
        moved = true;
      }
      if (m.received !== padded) break;
      m.received = m.length;
      m.done = true;
      this.#cur[src] = null;
      this.#activity.received();
    }
    if (used > 0) r.release(used);
    if (r.flush()) moved = true; // the cells passed above, and what direct() passed
    if (moved || this.#unannounced[src] !== 0) {
      // Also a sender asleep for room direct() made without waking it: every wait pulls every ring.
      this.#unannounced[src] = 0;
      wake(this.#ctl, this.#doorbell, src);
    }
    return moved;
  }

  /** Copies a rendezvous message's payload from its sender's heap to where #prepare put it. */
  #land(m: Message): void {
    this.#rdv!.fetch(m);
    this.#activity.received();
  }

  #overBound(): boolean {
    const mt = this.matcher;
    return mt.unexpectedBytes > this.#limitBytes || mt.unexpectedCount > this.#limitMessages;
  }

  #boundError(m: Message): never {
    const mt = this.matcher;
    const bySource = new Map<number, number>();
    for (const u of mt.unexpectedList()) bySource.set(u.source, (bySource.get(u.source) ?? 0) + 1);
    const top = [...bySource].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([s, n]) => `${n} from rank ${s}`);
    throw new SpmdError(
      `rank ${this.#rank}: ${mt.unexpectedCount} messages (${mt.unexpectedBytes} bytes) arrived that no receive has ` +
        `taken, past the bound of ${this.#limitMessages} messages / ${this.#limitBytes} bytes (${top.join(", ")}; ` +
        `latest: tag ${m.tag} from rank ${m.source}): a rank is sending faster than this one receives`,
      "MPI_ERR_NO_MEM",
    );
  }
}

/**
 * Message matching: posted receives and the unexpected-message queue.
 *
 * A message is matched the moment its header arrives, in arrival order:
 * first against the posted receives, oldest first; if none matches it joins
 * the unexpected queue, and a later receive takes the oldest unexpected
 * message that matches it. A receive matches a message when the contexts
 * are equal and source and tag are equal or wildcards (ANY_TAG matches
 * the tags users give, 0 and up: negative tags are internal, such as
 * ssend's acknowledgements, and match only a receive that names them). Because each sender's
 * ring is FIFO and both lists are kept in order, messages from one sender
 * with one tag never overtake each other (MPI's non-overtaking rule).
 *
 * This file knows nothing of shared memory: it is the pure engine that the
 * reliability tests compare against a reference model.
 *
 * @module
 */

import { ANY_SOURCE, ANY_TAG } from "../constants.ts";
import { bytesOf, isTypedKind } from "./typed.ts";

/** An incoming message: its envelope and, while it streams in, its progress. */
export class Message {
  /** Sender's rank in the world. */
  source: number;
  /** Tag. */
  tag: number;
  /** Context id of the communicator. */
  context: number;
  /** Kind code (codec.ts). */
  kind: number;
  /** Payload length in bytes. */
  length: number;
  /** Where the payload bytes go; null when they are being discarded. */
  bytes: Uint8Array | null = null;
  /** The decoded value for typed kinds (allocated at arrival), else undefined. */
  value: unknown = undefined;
  /** Payload bytes received so far. */
  received = 0;
  /** True once every payload byte has arrived. */
  done = false;
  /** The receive this message was matched to, if any. */
  recv: RecvOp | null = null;
  /** Rendezvous descriptor slot in the sender's heap (rendezvous.ts), or −1 when the payload comes through the ring. */
  rdv = -1;
  /** Arrival order among the unexpected messages (Matcher). */
  seq = 0;
  /** Its number among the messages from its sender to this rank (pairs a trace's send and receive). */
  pair = 0;
  /** Sent by `ssend`: the receiver acknowledges it (_probe.ts `SYNC`). */
  sync = false;
  /**
   * True when `bytes` (and a typed `value`) are a view of the inbox's slab
   * (inbox.ts): never handed to a user as is (`valueOf` copies it).
   */
  slab = false;

  /** An envelope just read from a header. */
  constructor(
    source: number,
    tag: number,
    context: number,
    kind: number,
    length: number,
  ) {
    this.source = source;
    this.tag = tag;
    this.context = context;
    this.kind = kind;
    this.length = length;
  }
}

/** A posted receive; as a pending op it is done once its message has fully arrived. */
export class RecvOp {
  /** Wanted source (world rank) or ANY_SOURCE. */
  source: number;
  /** Wanted tag or ANY_TAG. */
  tag: number;
  /** Context id. */
  context: number;
  /** Caller's buffer for `recvInto`, else null. */
  into: ArrayBufferView | null;
  /** The matched message, once matched. */
  msg: Message | null = null;
  /** The list of open receives this one is in (open_recvs.ts), and its neighbours there. */
  openIn: object | null = null;
  /** The receive opened before this one, in `openIn`. */
  openPrev: RecvOp | null = null;
  /** The receive opened after this one, in `openIn`. */
  openNext: RecvOp | null = null;

  /** A receive for (source, tag, context). */
  constructor(source: number, tag: number, context: number, into: ArrayBufferView | null) {
    this.source = source;
    this.tag = tag;
    this.context = context;
    this.into = into;
  }

  /** True once the matched message has fully arrived. */
  get done(): boolean {
    return this.msg !== null && this.msg.done;
  }
}

/**
 * A queued message just taken by a receive into `into`: when it is typed
 * and fits, the bytes it has so far move into the caller's array, which
 * from then on is its payload (any rest streams in there directly). Both
 * backends' inboxes use it when a receive is posted.
 */
export function moveInto(m: Message, into: ArrayBufferView | null): void {
  if (into === null || m.bytes === null || !isTypedKind(m.kind) || m.length > into.byteLength) return;
  const dst = bytesOf(into);
  const src = m.bytes;
  const n = m.received < m.length ? m.received : m.length;
  // Whole: set from the array itself. A subarray of a small on-heap array makes V8 move its bytes off the
  // heap first (a malloc: ~0.3 µs per small unexpected message, measured).
  dst.set(n === src.byteLength ? src : src.subarray(0, n));
  m.bytes = dst;
  m.value = into;
}

/** True when a receive for (source, tag, context) accepts the message. */
export function matches(
  source: number,
  tag: number,
  context: number,
  m: Message,
): boolean {
  return m.context === context &&
    (source === ANY_SOURCE || source === m.source) &&
    (tag === m.tag || (tag === ANY_TAG && m.tag >= 0));
}

/** The two ordered lists of a rank. */
export class Matcher {
  /**
   * Posted receives, oldest first, from index `#ph` on (a deque too: with a
   * window of receives posted ahead, each arrival matches the oldest, which
   * `splice` would make O(window) and an allocation).
   */
  #p: (RecvOp | undefined)[] = [];
  #ph = 0;

  /** The posted receives, oldest first (a copy). */
  get posted(): RecvOp[] {
    return this.#p.slice(this.#ph) as RecvOp[];
  }
  /**
   * Unexpected messages, one queue per sender (each in arrival order, a
   * deque from its `head` on), each message numbered in arrival order
   * (`seq`). A receive from one source looks at that sender's queue only —
   * with one queue for all, a root that fell behind scanned past every other
   * sender's backlog on each receive, quadratic in the backlog; a receive
   * from ANY_SOURCE takes the oldest match over all queues.
   */
  #by: (SourceQueue | undefined)[] = [];
  #count = 0;
  #seq = 0;
  /** Total payload bytes of the unexpected messages held here (a rendezvous payload stays in its sender's heap). */
  unexpectedBytes = 0;

  /** Number of unexpected messages. */
  get unexpectedCount(): number {
    return this.#count;
  }

  /** The unexpected messages, oldest first (a copy). */
  unexpectedList(): Message[] {
    const all: Message[] = [];
    for (const sq of this.#by) if (sq !== undefined) { for (let i = sq.head; i < sq.q.length; i++) all.push(sq.q[i]!); }
    return all.sort((a, b) => (a.seq - b.seq) | 0);
  }

  /** A message header arrived: returns the posted receive it matches (removed), or null after queueing it. */
  arrive(m: Message): RecvOp | null {
    const posted = this.#p;
    for (let i = this.#ph; i < posted.length; i++) {
      const r = posted[i]!;
      if (matches(r.source, r.tag, r.context, m)) {
        this.#unpost(i);
        r.msg = m;
        m.recv = r;
        return r;
      }
    }
    m.seq = this.#seq;
    this.#seq = (this.#seq + 1) | 0; // int32, wrapping: compared as distances
    let sq = this.#by[m.source];
    if (sq === undefined) sq = this.#by[m.source] = new SourceQueue();
    sq.q.push(m);
    this.#count++;
    if (m.rdv < 0) this.unexpectedBytes += m.length;
    return null;
  }

  /** True when no receive is posted and nothing from `source` is queued: its next frame can match only a new receive. */
  quiet(source: number): boolean {
    if (this.#ph !== this.#p.length) return false;
    const sq = this.#by[source];
    return sq === undefined || sq.head === sq.q.length;
  }

  /** Removes and returns the oldest unexpected message that matches, or null. */
  take(source: number, tag: number, context: number): Message | null {
    if (this.#count === 0) return null;
    const sq = this.#find(source, tag, context);
    if (sq === null) return null;
    const m = sq.q[this.#at]!;
    sq.remove(this.#at);
    this.#count--;
    if (m.rdv < 0) this.unexpectedBytes -= m.length;
    return m;
  }

  /** Removes one particular unexpected message (the newest first: it is normally the one just queued). */
  drop(m: Message): void {
    const sq = this.#by[m.source];
    if (sq === undefined) return;
    const i = sq.q.lastIndexOf(m);
    if (i < sq.head) return;
    sq.remove(i);
    this.#count--;
    if (m.rdv < 0) this.unexpectedBytes -= m.length;
  }

  /** The oldest unexpected message that matches, left in place, or null. */
  peek(source: number, tag: number, context: number): Message | null {
    if (this.#count === 0) return null;
    const sq = this.#find(source, tag, context);
    return sq === null ? null : sq.q[this.#at]!;
  }

  /** Index (in `#at`) of the oldest match, and its sender's queue; null when none matches. */
  #at = 0;
  #find(source: number, tag: number, context: number): SourceQueue | null {
    if (source >= 0) {
      const sq = this.#by[source];
      if (sq === undefined) return null;
      const i = sq.first(tag, context);
      if (i < 0) return null;
      this.#at = i;
      return sq;
    }
    let best: SourceQueue | null = null;
    let bestSeq = 0;
    for (const sq of this.#by) {
      if (sq === undefined || sq.head === sq.q.length) continue;
      const i = sq.first(tag, context);
      if (i >= 0 && (best === null || ((sq.q[i]!.seq - bestSeq) | 0) < 0)) {
        best = sq;
        bestSeq = sq.q[i]!.seq;
        this.#at = i;
      }
    }
    return best;
  }

  /** Posts a receive: matches it against the unexpected queue first. */
  post(r: RecvOp): Message | null {
    const m = this.take(r.source, r.tag, r.context);
    if (m !== null) {
      r.msg = m;
      m.recv = r;
      return m;
    }
    this.#p.push(r);
    return null;
  }

  /** Withdraws a posted receive that has not matched. Returns false if it had already matched. */
  cancel(r: RecvOp): boolean {
    const i = this.#p.indexOf(r, this.#ph);
    if (i < 0) return false;
    this.#unpost(i);
    return true;
  }

  /** Removes posted receive `i`: the oldest or newest without moving the others (the common cases). */
  #unpost(i: number): void {
    const p = this.#p;
    if (i === p.length - 1 && i === this.#ph && i === 0) p.pop(); // the only one: the common blocking receive
    else if (i === this.#ph) {
      p[i] = undefined;
      this.#ph++;
      if (this.#ph === p.length) {
        p.length = 0;
        this.#ph = 0;
      } else if (this.#ph >= 1024 && this.#ph * 2 >= p.length) {
        this.#p = p.slice(this.#ph);
        this.#ph = 0;
      }
    } else if (i === p.length - 1) p.pop();
    else p.splice(i, 1);
  }
}

/** One sender's unexpected messages, oldest first, from index `head` on. */
class SourceQueue {
  q: (Message | undefined)[] = [];
  head = 0;

  /** Index of the oldest message with this tag (or any, for ANY_TAG) and context, or −1. */
  first(tag: number, context: number): number {
    const q = this.q;
    for (let i = this.head; i < q.length; i++) {
      const m = q[i]!;
      if (m.context === context && (tag === m.tag || (tag === ANY_TAG && m.tag >= 0))) return i;
    }
    return -1;
  }

  /** Removes the message at `i`: the oldest without moving the others (the common case). */
  remove(i: number): void {
    const q = this.q;
    if (i === this.head) {
      q[i] = undefined;
      this.head++;
      if (this.head === q.length) {
        q.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= q.length) {
        this.q = q.slice(this.head);
        this.head = 0;
      }
    } else q.splice(i, 1);
  }
}

/**
 * Tracing: what every rank did and when, recorded into a fixed buffer of
 * shared memory that the launcher reads at the end of the job — or at any
 * moment, so a rank that fails or hangs still leaves its trace up to that
 * point.
 *
 * A rank writes only its own buffer ({@linkcode TraceRecorder}); the
 * launcher reads every buffer ({@linkcode readTrace}) and hands the events to
 * the writers (`trace/`: Perfetto JSON, SVG timeline, profile). With tracing
 * off no recorder exists and the transport's hooks cost one null check.
 *
 * ## Layout of one rank's buffer
 * ```text
 * int32 word 0   records written (the newest `capacity` are kept: a ring)
 * int32 word 1   capacity (records)
 * int32 word 2   bytes used in the name table
 * float64 at 16  the job's epoch (launcher's performance.timeOrigin + now(), ms)
 * float64 at 24  start of the call in progress (µs)
 * int32 word 8   code of the call in progress, −1 none; words 9-11 its peer, tag, context
 * byte 64 ...    records: 9 float64 each [type, t0, t1, a, b, c, d, e, f]
 * then           the name table (NAME_BYTES): u16 length + UTF-8, in id order
 * ```
 * Times are µs since the epoch. Record types:
 * - CALL (1): an outermost spmd call, t0..t1; a call code (calls.ts),
 *   b peer (dest, source or root; −1 none), c tag (−1), d context, e bytes
 *   this rank sent and received during it, f the algorithm a collective
 *   ran (a name id; −1 none).
 * - REGION (2): a user region (`region`, `traceBegin`/`traceEnd`), t0..t1;
 *   a name id, b nesting depth.
 * - SEND (3): a message leaves, at t0; a destination (world rank), b its
 *   number among this rank's messages to it, c tag, d context, e bytes.
 * - RECV (4): a receive takes a message, at t0; a source, b the sender's
 *   number for it (so SEND and RECV pair up), c tag, d context, e bytes.
 *
 * @module
 */

import { monoMicros } from "./clock.ts";

/** Record types. */
export const T_CALL = 1;
export const T_REGION = 2;
export const T_SEND = 3;
export const T_RECV = 4;

const HEADER_BYTES = 64;
const OPEN_CALL = 8;
/** float64 fields of one record: [type, t0, t1, a, b, c, d, e, f] (the layout above). */
export const RECORD_FIELDS = 9;
const RECORD_F64 = RECORD_FIELDS;
const TYPE_NAMES = ["", "call", "region", "send", "recv"] as const;

/** A record type's code (T_CALL, ...), for a writer that stores events in the record layout. */
export function typeCode(type: TraceEvent["type"]): number {
  return TYPE_NAMES.indexOf(type);
}

/**
 * The event of the record at `i` in `r` (the record layout above, in shared
 * memory or copied out), or null for a slot holding no known type.
 */
export function eventAt(r: ArrayLike<number>, i: number): TraceEvent | null {
  const type = TYPE_NAMES[r[i]];
  if (type === undefined || type === "") return null;
  const alg = r[i + 8];
  return {
    type,
    start: r[i + 1],
    end: r[i + 2],
    a: r[i + 3],
    b: r[i + 4],
    tag: r[i + 5],
    context: r[i + 6],
    bytes: r[i + 7],
    ...(alg >= 0 ? { alg } : {}),
  };
}
/** Bytes of the name table of each rank. */
export const NAME_BYTES = 64 * 1024;
/** Default records per rank (8 MiB of memory each). */
export const TRACE_RECORDS_DEFAULT = 1 << 17;
const MAX_DEPTH = 64;

/** Allocates one rank's trace buffer of `records` records, stamped with the job's `epoch` (ms). */
export function createTraceBuffer(records: number, epoch: number): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(HEADER_BYTES + records * RECORD_F64 * 8 + NAME_BYTES);
  const w = new Int32Array(sab, 0, 16);
  w[1] = records;
  w[OPEN_CALL] = -1;
  new Float64Array(sab, 16, 1)[0] = epoch;
  return sab;
}

/** One rank's writer of its trace buffer. Only that rank writes it. */
export class TraceRecorder {
  readonly #w: Int32Array;
  readonly #openT0: Float64Array;
  readonly #r: Float64Array;
  readonly #names: Uint8Array;
  readonly #capacity: number;
  readonly #offset: number;
  readonly #clock: (() => number) | null;
  readonly #nameIds = new Map<string, number>();
  #count = 0;
  // The outermost call in progress.
  #depth = 0;
  #t0 = 0;
  #call = 0;
  #peer = -1;
  #tag = -1;
  #context = -1;
  #bytes = 0;
  #alg = -1;
  // Open regions.
  readonly #regionStart = new Float64Array(MAX_DEPTH);
  readonly #regionName = new Int32Array(MAX_DEPTH);
  #regions = 0;
  // Messages sent to each rank / taken from each rank so far (flow numbers).
  readonly #sentTo: Int32Array;

  /** The writer of `sab` (made by {@linkcode createTraceBuffer}) for a job of `size` ranks. */
  constructor(sab: SharedArrayBuffer, size: number) {
    this.#w = new Int32Array(sab, 0, 16);
    this.#openT0 = new Float64Array(sab, 24, 1);
    this.#capacity = this.#w[1];
    this.#r = new Float64Array(sab, HEADER_BYTES, this.#capacity * RECORD_F64);
    this.#names = new Uint8Array(sab, HEADER_BYTES + this.#capacity * RECORD_F64 * 8, NAME_BYTES);
    const epoch = new Float64Array(sab, 16, 1)[0];
    this.#clock = monoMicros();
    const fromEpoch = (performance.timeOrigin - epoch + performance.now()) * 1000;
    this.#offset = this.#clock === null ? performance.timeOrigin - epoch : fromEpoch - this.#clock();
    this.#sentTo = new Int32Array(size); // wraps at 2^31 as the receiver's count does (inbox.ts #pairs)
  }

  /** µs since the job's epoch. */
  now(): number {
    const c = this.#clock;
    return c !== null ? c() + this.#offset : (this.#offset + performance.now()) * 1000;
  }

  #record(type: number, t0: number, t1: number, a: number, b: number, c: number, d: number, e: number, f = -1): void {
    const i = (this.#count % this.#capacity) * RECORD_F64;
    const r = this.#r;
    r[i] = type;
    r[i + 1] = t0;
    r[i + 2] = t1;
    r[i + 3] = a;
    r[i + 4] = b;
    r[i + 5] = c;
    r[i + 6] = d;
    r[i + 7] = e;
    r[i + 8] = f;
    this.#w[0] = ++this.#count; // read by the launcher at the end, or at a failure (a plain store: 8 ns less)
  }

  /** An spmd call starts (only the outermost is recorded). */
  enter(call: number, peer: number, tag: number, context: number): void {
    if (this.#depth++ !== 0) return;
    const t0 = this.#t0 = this.now();
    this.#call = call;
    this.#peer = peer;
    this.#tag = tag;
    this.#context = context;
    this.#bytes = 0;
    this.#alg = -1;
    // Also where the launcher sees it, should this call never return (a deadlock, a failure).
    const w = this.#w;
    this.#openT0[0] = t0;
    w[OPEN_CALL + 1] = peer;
    w[OPEN_CALL + 2] = tag;
    w[OPEN_CALL + 3] = context;
    w[OPEN_CALL] = call;
  }

  /** Notes the algorithm the current call (a collective) runs, for its record (the first one noted). */
  algorithm(name: string): void {
    if (this.#depth > 0 && this.#alg < 0) this.#alg = this.#nameId(name);
  }

  /** Counts `n` bytes sent or received during the current call, for its record. */
  bytes(n: number): void {
    this.#bytes += n;
  }

  /** The outermost call returns: its record is written. */
  leave(): void {
    if (this.#depth === 0 || --this.#depth !== 0) return;
    this.#w[OPEN_CALL] = -1;
    this.#record(
      T_CALL,
      this.#t0,
      this.now(),
      this.#call,
      this.#peer,
      this.#tag,
      this.#context,
      this.#bytes,
      this.#alg,
    );
  }

  /** A message to world rank `dest` leaves; returns its flow number. */
  send(dest: number, tag: number, context: number, bytes: number): void {
    const seq = this.#sentTo[dest];
    this.#sentTo[dest] = (seq + 1) | 0;
    const t = this.now();
    this.#record(T_SEND, t, t, dest, seq, tag, context, bytes);
    this.bytes(bytes);
  }

  /** A receive takes the message number `seq` from `source`. */
  recv(source: number, seq: number, tag: number, context: number, bytes: number): void {
    const t = this.now();
    this.#record(T_RECV, t, t, source, seq, tag, context, bytes);
    this.bytes(bytes);
  }

  /** A user region starts. */
  begin(name: string): void {
    if (this.#regions >= MAX_DEPTH) throw new RangeError(`traceBegin: regions nest deeper than ${MAX_DEPTH}`);
    this.#regionName[this.#regions] = this.#nameId(name);
    this.#regionStart[this.#regions++] = this.now();
  }

  /** The innermost user region ends; false when none is open. */
  end(): boolean {
    if (this.#regions === 0) return false;
    const k = --this.#regions;
    this.#record(T_REGION, this.#regionStart[k], this.now(), this.#regionName[k], k, -1, -1, -1);
    return true;
  }

  #nameId(name: string): number {
    let id = this.#nameIds.get(name);
    if (id !== undefined) return id;
    const bytes = new TextEncoder().encode(name.slice(0, 200));
    const used = this.#w[2];
    if (used + 2 + bytes.length > NAME_BYTES) return -1; // table full: drawn as "region"
    this.#names[used] = bytes.length & 255;
    this.#names[used + 1] = bytes.length >> 8;
    this.#names.set(bytes, used + 2);
    id = this.#nameIds.size;
    this.#nameIds.set(name, id);
    Atomics.store(this.#w, 2, used + 2 + bytes.length);
    return id;
  }
}

/** One event, as the writers see it. */
export interface TraceEvent {
  /** "call", "region", "send" or "recv". */
  type: "call" | "region" | "send" | "recv";
  /** µs since the job's epoch. */
  start: number;
  /** µs since the epoch (= start for send and recv). */
  end: number;
  /** Call code (calls.ts) for a call; name id for a region; peer rank for send (dest) and recv (source). */
  a: number;
  /** Peer (call; −1 none), region depth, or the message's flow number (send, recv). */
  b: number;
  /** Tag, or −1. */
  tag: number;
  /** Context id, or −1. */
  context: number;
  /** Bytes, or −1. */
  bytes: number;
  /** A call's algorithm (a collective's), as a name id into `names`; −1 none. Absent: none. */
  alg?: number;
}

/** What one rank recorded. */
export interface RankTrace {
  /** The rank. */
  rank: number;
  /** Its events, oldest first. */
  events: TraceEvent[];
  /** Events lost because the buffer wrapped (the oldest). */
  dropped: number;
  /** Region (and algorithm) names by id. */
  names: string[];
}

/** Reads what rank `rank` has recorded so far in `sab`. */
export function readTrace(sab: SharedArrayBuffer, rank: number): RankTrace {
  const w = new Int32Array(sab, 0, 16);
  const count = Atomics.load(w, 0);
  const capacity = w[1];
  const r = new Float64Array(sab, HEADER_BYTES, capacity * RECORD_F64);
  const first = count > capacity ? count - capacity : 0;
  const events: TraceEvent[] = [];
  for (let k = first; k < count; k++) {
    const e = eventAt(r, (k % capacity) * RECORD_F64);
    if (e !== null) events.push(e);
  }
  if (w[OPEN_CALL] >= 0) {
    // A call still in progress (the rank is blocked in it, or failed inside it): drawn up to now.
    const epoch = new Float64Array(sab, 16, 1)[0];
    const start = new Float64Array(sab, 24, 1)[0];
    const now = (performance.timeOrigin + performance.now() - epoch) * 1000;
    events.push({
      type: "call",
      start,
      end: Math.max(start, now),
      a: w[OPEN_CALL],
      b: w[OPEN_CALL + 1],
      tag: w[OPEN_CALL + 2],
      context: w[OPEN_CALL + 3],
      bytes: -1,
    });
  }
  const names: string[] = [];
  const table = new Uint8Array(sab, HEADER_BYTES + capacity * RECORD_F64 * 8, NAME_BYTES);
  const used = Atomics.load(w, 2);
  const dec = new TextDecoder();
  for (let p = 0; p + 2 <= used;) {
    const n = table[p] | (table[p + 1] << 8);
    names.push(dec.decode(table.slice(p + 2, p + 2 + n)));
    p += 2 + n;
  }
  return { rank, events, dropped: first, names };
}

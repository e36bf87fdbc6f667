/**
 * The MPI backend: one process per rank, started by an MPI launcher
 * (`mpiexec -n 4 deno run -A app.ts`), every message carried by the MPI
 * library through Deno FFI (lib.ts).
 *
 * - **Sending.** A payload up to {@linkcode EAGER_BYTES} goes out with
 *   `MPI_Send` straight from its memory (below every library's eager limit,
 *   so it never waits for the receive); a larger typed payload is copied
 *   into a buffer of ours and sent with `MPI_Isend`, which later calls
 *   progress, so `send` never waits for the matching receive here either.
 *   `isend` hands the caller's memory to `MPI_Isend` as it is.
 * - **Receiving.** Messages are taken from MPI in arrival order
 *   (`MPI_Improbe` from the wanted source, any tag) and matched by spmd's own
 *   matcher (_comms.ts explains the tag); a typed message for a posted
 *   `recvInto` lands in the caller's array with `MPI_Mrecv`, with no copy.
 * - **Waiting** polls and never blocks inside the library, so a wait sees
 *   the job's deadline (`SPMD_TIMEOUT`), and a peer that has finalized (each
 *   rank tells every other one when it finalizes, on a communicator of its
 *   own): a receive from a rank that has ended fails as on shared memory.
 * - **Errors.** Every communicator returns MPI errors (`MPI_ERRORS_RETURN`);
 *   a failing MPI call becomes an `SpmdError` carrying MPI's error string.
 *
 * @module
 */

import { AbortSignalled, unnamedError } from "../../errors.ts";
import { ANY_SOURCE } from "../../constants.ts";
import { callCode, callName } from "../calls.ts";
import { KIND_NUMBER } from "../codec.ts";
import { Matcher, Message, RecvOp } from "../matcher.ts";
import { schedYield } from "../sched_yield.ts";
import type { Envelope, Incoming, Leftover, PendingOp, Transport } from "../transport.ts";
import { allocTyped, bytesOf, isTypedKind, KIND_DATAVIEW } from "../typed.ts";
import { type CommEntry, EXTENDED, EXTENDED_HEADER, extendedTag, mpiTag, tagLimitFor } from "./_comms.ts";
import { MpiCalls } from "./_calls.ts";
import type { MpiLib } from "./lib.ts";
import { NativeCollectives } from "./native.ts";

/** Largest payload sent with `MPI_Send` from the caller's memory (override: `SPMD_MPI_EAGER`). */
export const EAGER_BYTES = 4000;
/** Tag of the "this rank has finalized" notice on the control communicator. */
const T_ENDED = 1;
const C_FINALIZE = callCode("finalize");

/** A send in flight: `MPI_Isend`'s request and the bytes it sends from (kept alive until it completes). */
class SendOp implements PendingOp {
  done = false;
  readonly req = new Uint8Array(8);
  constructor(
    readonly bytes: Uint8Array,
    readonly dest: number,
    readonly tag: number,
    readonly context: number,
  ) {}
}

/** Options of {@linkcode MpiTransport}. */
export interface MpiTransportOptions {
  /** The loaded library. */
  lib: MpiLib;
  /** Seconds after which a wait stops the job (0: never). */
  timeoutSeconds?: number;
  /** Payload bytes sent with `MPI_Send` from the caller's memory. */
  eagerBytes?: number;
  /** Called (then MPI_Abort) when this rank stops the job. */
  onAbort?: (code: number, message: string) => void;
}

/** One rank's endpoint on an MPI library. */
export class MpiTransport implements Transport {
  readonly rank: number;
  readonly size: number;
  readonly slots = null;
  /** MPI's own collectives for typed arrays and built-in ops. */
  readonly native: NativeCollectives;
  /** The library. */
  readonly lib: MpiLib;
  readonly #mpi: MpiCalls;
  readonly #comms = new Map<number, CommEntry>();
  readonly #matcher = new Matcher();
  readonly #sends: SendOp[] = [];
  readonly #open = new Set<RecvOp>();
  readonly #ended: Uint8Array;
  readonly #control: CommEntry;
  readonly #tagLimit: number;
  readonly #eager: number;
  readonly #deadline: number;
  readonly #timeout: number;
  readonly #yield: (() => void) | null;
  readonly #onAbort?: (code: number, message: string) => void;
  readonly #num = new Float64Array(1);
  readonly #numBytes = new Uint8Array(this.#num.buffer);
  #closed = false;
  // What the rank is doing (outermost call), for reports.
  #depth = 0;
  #call = 0;
  #peer = -1;
  #tag = -1;
  #context = -1;

  /** Initializes MPI (unless the program did) and binds to MPI_COMM_WORLD. */
  constructor(options: MpiTransportOptions) {
    this.lib = options.lib;
    const mpi = this.#mpi = new MpiCalls(options.lib);
    mpi.init();
    this.rank = mpi.commRank(mpi.abi.COMM_WORLD);
    this.size = mpi.commSize(mpi.abi.COMM_WORLD);
    mpi.setErrorsReturn(mpi.abi.COMM_WORLD);
    this.#comms.set(0, { handle: mpi.commDup(mpi.abi.COMM_WORLD), toWorld: null, toLocal: null });
    this.#control = { handle: mpi.commDup(mpi.abi.COMM_WORLD), toWorld: null, toLocal: null };
    this.#tagLimit = tagLimitFor(mpi.tagUb());
    this.#eager = options.eagerBytes ?? EAGER_BYTES;
    this.#timeout = options.timeoutSeconds ?? 0;
    this.#deadline = this.#timeout > 0 ? performance.now() + this.#timeout * 1000 : Infinity;
    this.#ended = new Uint8Array(this.size);
    this.#onAbort = options.onAbort;
    this.#yield = schedYield();
    this.native = new NativeCollectives(mpi, (ctx) => this.#comm(ctx, "collective"));
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- communicators ---------------------------------------------------------------

  /**
   * Makes the MPI communicator of a new spmd communicator `context`, on every
   * rank of `parent` (collective): `MPI_Comm_split(color, key)`, or with
   * `color` null `MPI_Comm_dup`. `members` are its ranks' world ranks in
   * order (null for a rank that `split` leaves out).
   */
  derive(parent: number, context: number, color: number | null, key: number, members: readonly number[] | null): void {
    this.#live();
    const p = this.#comm(parent, "split");
    const handle = color === null
      ? this.#mpi.commDup(p.handle)
      : this.#mpi.commSplit(p.handle, color < 0 ? this.#mpi.abi.UNDEFINED : color, key);
    if (members === null) return;
    const toWorld = Int32Array.from(members);
    const toLocal = new Int32Array(this.size).fill(-1);
    toWorld.forEach((w, i) => (toLocal[w] = i));
    this.#comms.set(context >> 1, { handle, toWorld, toLocal });
  }

  #comm(context: number, call: string): CommEntry {
    const e = this.#comms.get(context >> 1);
    if (e === undefined) throw unnamedError(`no MPI communicator for context ${context} (${call})`, "MPI_ERR_COMM");
    return e;
  }

  // ---- activity ----------------------------------------------------------------------

  enter(call: number, peer: number, tag: number, context: number): void {
    if (this.#depth++ === 0) {
      this.#call = call;
      this.#peer = peer;
      this.#tag = tag;
      this.#context = context;
    }
  }

  leave(): void {
    if (this.#depth > 0) this.#depth--;
  }

  /** What this rank is doing, in the words of the shared-memory reports. */
  describe(): string {
    if (this.#depth === 0) return "running user code (not in an spmd call)";
    const parts = this.#peer >= -2 && this.#peer !== -1
      ? [`peer=${this.#peer === ANY_SOURCE ? "ANY_SOURCE" : this.#peer}`]
      : [];
    if (this.#tag >= 0) parts.push(`tag=${this.#tag}`);
    parts.push(`comm=${this.#context >> 1}`);
    return `blocked in ${callName(this.#call)}(${parts.join(", ")})`;
  }

  // ---- sending -----------------------------------------------------------------------

  send(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): void {
    this.#live();
    const e = this.#comm(context, "send");
    const to = e.toLocal === null ? dest : e.toLocal[dest];
    const t = mpiTag(tag, context, kind, this.#tagLimit);
    if (t >= 0 && bytes.length <= this.#eager) {
      this.#mpi.send(bytes, to, t, e.handle);
      return;
    }
    // Larger: a copy of ours goes out with MPI_Isend, progressed by later calls.
    const own = t < 0 ? this.#extended(kind, bytes, tag) : isTypedKind(kind) ? bytes.slice() : bytes;
    this.#start(own, to, t < 0 ? extendedTag(context) : t, e, dest, tag, context);
  }

  sendNumber(x: number, kind: number, dest: number, tag: number, context: number): void {
    this.#num[0] = x;
    this.send(kind, this.#numBytes, dest, tag, context);
  }

  isend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): PendingOp {
    this.#live();
    const e = this.#comm(context, "isend");
    const to = e.toLocal === null ? dest : e.toLocal[dest];
    const t = mpiTag(tag, context, kind, this.#tagLimit);
    if (t < 0) return this.#start(this.#extended(kind, bytes, tag), to, extendedTag(context), e, dest, tag, context);
    return this.#start(bytes, to, t, e, dest, tag, context);
  }

  #extended(kind: number, bytes: Uint8Array, tag: number): Uint8Array {
    const out = new Uint8Array(EXTENDED_HEADER + bytes.length);
    const h = new Int32Array(out.buffer, 0, 2);
    h[0] = tag;
    h[1] = kind;
    out.set(bytes, EXTENDED_HEADER);
    return out;
  }

  #start(bytes: Uint8Array, to: number, t: number, e: CommEntry, dest: number, tag: number, ctx: number): SendOp {
    if (bytes.length > 0x7fffffff) {
      throw unnamedError(`a message of ${bytes.length} bytes is over MPI's count limit (2^31 - 1)`, "MPI_ERR_COUNT");
    }
    const op = new SendOp(bytes, dest, tag, ctx);
    this.#mpi.isend(bytes, to, t, e.handle, op.req);
    this.#sends.push(op);
    return op;
  }

  /** Tests the sends in flight; true if any completed. */
  #progressSends(): boolean {
    const s = this.#sends;
    if (s.length === 0) return false;
    let moved = false;
    let j = 0;
    for (let i = 0; i < s.length; i++) {
      const op = s[i];
      if (!op.done && this.#mpi.test(op.req)) {
        op.done = true;
        moved = true;
      }
      if (!op.done) s[j++] = op;
    }
    s.length = j;
    return moved;
  }

  // ---- receiving ---------------------------------------------------------------------

  /**
   * Takes the oldest message from `source` (world rank or ANY_SOURCE) on
   * `context`'s communicator out of MPI and matches it. False when MPI has
   * none.
   */
  #pull(context: number, source: number): boolean {
    const e = this.#comm(context, "recv");
    const mpi = this.#mpi;
    const from = source === ANY_SOURCE ? mpi.abi.ANY_SOURCE : e.toLocal === null ? source : e.toLocal[source];
    if (!mpi.improbe(from, e.handle)) return false;
    const t = mpi.statusTag();
    const src = e.toWorld === null ? mpi.statusSource() : e.toWorld[mpi.statusSource()];
    const length = mpi.count();
    const ctx = (context & ~1) | ((t >> 5) & 1);
    let kind = t & 31;
    if (kind === EXTENDED) {
      const all = new Uint8Array(length);
      mpi.mrecv(all);
      const h = new Int32Array(all.buffer, 0, 2);
      kind = h[1];
      this.#arrive(src, h[0], ctx, kind, length - EXTENDED_HEADER, all.subarray(EXTENDED_HEADER));
      return true;
    }
    this.#arrive(src, t >>> 6, ctx, kind, length, null);
    return true;
  }

  /** A message whose envelope MPI just gave: matched, then its payload received (or copied from `got`). */
  #arrive(source: number, tag: number, context: number, kind: number, length: number, got: Uint8Array | null): void {
    const m = new Message(source, tag, context, kind, length);
    const op = this.#matcher.arrive(m);
    let dst: Uint8Array | null = null;
    if (op !== null && op.into !== null) {
      if (isTypedKind(kind) && length <= op.into.byteLength) {
        dst = bytesOf(op.into);
        m.value = op.into;
      }
    } else if (isTypedKind(kind)) {
      const v = allocTyped(kind, length);
      m.value = v;
      dst = kind === KIND_DATAVIEW ? new Uint8Array((v as DataView).buffer) : bytesOf(v);
    } else if (kind === KIND_NUMBER) {
      dst = this.#numBytes;
    } else {
      dst = new Uint8Array(length);
    }
    if (got !== null) {
      if (dst !== null) dst.set(got.subarray(0, dst.length < length ? dst.length : length));
    } else if (dst !== null && length <= dst.length) {
      this.#mpi.mrecv(dst.length === length ? dst : dst.subarray(0, length));
    } else {
      this.#mpi.mrecv(new Uint8Array(length)); // consumed, not kept: recvInto reports why
    }
    if (kind === KIND_NUMBER) m.value = this.#num[0];
    else if (!isTypedKind(kind)) m.bytes = dst;
    else m.bytes = dst;
    m.received = length;
    m.done = true;
  }

  recv(source: number, tag: number, context: number): Incoming {
    return this.recvInto(null, source, tag, context);
  }

  recvInto(into: ArrayBufferView | null, source: number, tag: number, context: number): Incoming {
    this.#live();
    const op = new RecvOp(source, tag, context, into);
    this.#post(op);
    if (op.msg === null) {
      try {
        this.#block(op);
      } catch (e) {
        if (op.msg === null) this.#matcher.cancel(op);
        throw e;
      }
    }
    return op.msg!;
  }

  /** Posts a receive: an earlier typed message moves into its array. */
  #post(op: RecvOp): void {
    const m = this.#matcher.post(op);
    const into = op.into;
    if (m !== null && into !== null && m.bytes !== null && isTypedKind(m.kind) && m.length <= into.byteLength) {
      const dst = bytesOf(into);
      dst.set(m.bytes.subarray(0, m.length));
      m.bytes = dst;
      m.value = into;
    }
  }

  irecv(source: number, tag: number, context: number, into: ArrayBufferView | null): PendingOp {
    this.#live();
    const op = new RecvOp(source, tag, context, into);
    this.#post(op);
    this.#open.add(op);
    return op;
  }

  test(op: PendingOp): boolean {
    this.#live();
    if (!op.done) this.#progress(op);
    return op.done;
  }

  wait(op: PendingOp): Incoming | null {
    this.#live();
    if (!op.done) this.#block(op);
    if (op instanceof RecvOp) {
      this.#open.delete(op);
      return op.msg;
    }
    return null;
  }

  iprobe(source: number, tag: number, context: number): Envelope | null {
    this.#live();
    this.#progressSends();
    let m = this.#matcher.peek(source, tag, context);
    while (m === null && this.#pull(context, source)) m = this.#matcher.peek(source, tag, context);
    return m;
  }

  probe(source: number, tag: number, context: number): Envelope {
    this.#live();
    const w = this.#waiter();
    for (;;) {
      const m = this.iprobe(source, tag, context);
      if (m !== null) return m;
      this.#idle(w, source);
    }
  }

  // ---- waiting ---------------------------------------------------------------------

  /** One round of progress toward `op`; true if anything moved. */
  #progress(op: PendingOp): boolean {
    let moved = this.#progressSends();
    if (op instanceof RecvOp && op.msg === null) {
      while (op.msg === null && this.#pull(op.context, op.source)) moved = true;
    }
    return moved;
  }

  #waiter(): { polls: number } {
    return { polls: 0 };
  }

  /** Waits until `op` is done: polls, yields, and checks the deadline and ended peers. */
  #block(op: PendingOp): void {
    const w = this.#waiter();
    while (!op.done) {
      if (this.#progress(op)) w.polls = 0;
      else if (!op.done) this.#idle(w, op instanceof RecvOp ? op.source : (op as SendOp).dest);
    }
  }

  /** After a poll that found nothing: back off, and every so often check the deadline and the ended notices. */
  #idle(w: { polls: number }, peer: number, notices = true): void {
    const n = ++w.polls;
    if (n > 64 && this.#yield !== null) this.#yield();
    if ((n & 255) !== 0) return;
    if (performance.now() > this.#deadline) this.#timedOut();
    if (notices) this.#takeNotices();
    if (peer >= 0 && this.#ended[peer] === 1) {
      throw unnamedError(
        `rank ${peer} has finished without sending a matching message; this call can never complete`,
        "MPI_ERR_OTHER",
      );
    }
  }

  /** Reads the "finalized" notices of other ranks. */
  #takeNotices(): void {
    const mpi = this.#mpi;
    while (mpi.improbe(mpi.abi.ANY_SOURCE, this.#control.handle)) {
      const from = mpi.statusSource();
      mpi.mrecv(new Uint8Array(mpi.count()));
      this.#ended[from] = 1;
    }
  }

  #timedOut(): never {
    const msg = `job timed out after ${this.#timeout} s (SPMD_TIMEOUT): rank ${this.rank} ${this.describe()}`;
    return this.abort(124, msg);
  }

  // ---- memory ------------------------------------------------------------------------

  alloc(bytes: number): Uint8Array {
    this.#live();
    return this.#mpi.allocMem(bytes);
  }

  free(view: ArrayBufferView): void {
    this.#live();
    for (const s of this.#sends) {
      if (s.bytes.buffer === view.buffer) {
        throw unnamedError("a send from this array has not completed; wait for it first", "MPI_ERR_BUFFER");
      }
    }
    for (const r of this.#open) {
      if (!r.done && r.into !== null && r.into.buffer === view.buffer) {
        throw unnamedError("a receive into this array has not completed; wait for it first", "MPI_ERR_BUFFER");
      }
    }
    this.#mpi.freeMem(view);
  }

  // ---- the end -----------------------------------------------------------------------

  abort(code: number, message: string): never {
    this.#onAbort?.(code, message);
    this.#closed = true;
    this.#mpi.abort(code);
    throw new AbortSignalled(code, message);
  }

  finalize(_exit = false): Leftover[] {
    if (this.#closed) return [];
    this.enter(C_FINALIZE, -1, -1, -1);
    try {
      const w = this.#waiter();
      while (this.#sends.length > 0) {
        if (!this.#progressSends()) this.#idle(w, -1);
      }
    } finally {
      this.leave();
    }
    // Tell every other rank, then take in what has arrived.
    const note = new Uint8Array(0);
    for (let r = 0; r < this.size; r++) if (r !== this.rank) this.#mpi.send(note, r, T_ENDED, this.#control.handle);
    for (const ctx of this.#comms.keys()) while (this.#pull(ctx << 1, ANY_SOURCE));
    const out: Leftover[] = [];
    for (const op of this.#open) {
      const m = op.msg;
      out.push(
        m === null
          ? { source: op.source, dest: this.rank, tag: op.tag, context: op.context, bytes: -1, whole: false }
          : { source: m.source, dest: this.rank, tag: m.tag, context: m.context, bytes: m.length, whole: true },
      );
    }
    for (const m of this.#matcher.unexpectedList()) {
      out.push({ source: m.source, dest: this.rank, tag: m.tag, context: m.context, bytes: m.length, whole: true });
    }
    this.#closed = true;
    return out;
  }

  /** Ends MPI (after `finalize`): `MPI_Finalize`, which waits for every rank. */
  shutdown(): void {
    // Every other rank's notice is received first (MPI_Finalize would wait for them anyway).
    const w = this.#waiter();
    for (;;) {
      this.#takeNotices();
      if (this.#ended.every((e, r) => e === 1 || r === this.rank)) break;
      this.#idle(w, -1, false);
    }
    this.#mpi.finalize();
  }

  #live(): void {
    if (this.#closed) {
      throw unnamedError(
        `the communicator is no longer usable: rank ${this.rank} has finalized (its program had finished, or it ` +
          `called Deno.exit)`,
        "MPI_ERR_COMM",
      );
    }
  }
}

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
import { ANY_SOURCE, ANY_TAG } from "../../constants.ts";
import { callCode, callName } from "../calls.ts";
import { RecvOp } from "../matcher.ts";
import { OpenRecvs } from "../open_recvs.ts";
import { schedYield } from "../sched_yield.ts";
import { SPIN_DEDICATED } from "../wait.ts";
import { driveBackground } from "../transport.ts";
import type { Envelope, Incoming, Leftover, Matching, PendingOp, Transport } from "../transport.ts";
import { type CommEntry, Comms, tagLimitFor } from "./_comms.ts";
import { MpiInbox } from "./_inbox.ts";
import { MpiOutbox, type SendOp } from "./_outbox.ts";
import { MpiCalls } from "./_calls.ts";
import type { MpiLib } from "./lib.ts";
import { NativeCollectives } from "./native.ts";
import { inFlight, MpiWindows } from "./windows.ts";
import { EAGER_BYTES, type MpiTransportOptions } from "./options.ts";

/** Tag of the "this rank has finalized" notice on the control communicator. */
const T_ENDED = 1;
const C_FINALIZE = callCode("finalize");

/** Milliseconds a rank that stops the job waits for its report to be forwarded before MPI_Abort. */
const ABORT_FLUSH_MS = 200;

const SENT: PendingOp = { done: true }; // a send that completed at once (to this rank itself)

/** One rank's endpoint on an MPI library. */
export class MpiTransport implements Transport {
  readonly rank: number;
  readonly size: number;
  readonly slots = null;
  /** MPI's own collectives for typed arrays and built-in ops. */
  readonly native: NativeCollectives;
  /** The library. */ readonly lib: MpiLib;
  /** Matched probes and cancelled receives (_probe.ts). */ readonly matching: Matching;
  /** Nonblocking collectives every wait drives (Transport). */ readonly background: Set<PendingOp> = new Set();
  /** Shared windows on MPI_Win_allocate_shared (windows.ts). */ readonly shared: MpiWindows;
  readonly #mpi: MpiCalls;
  readonly #comms = new Comms();
  readonly #out: MpiOutbox;
  readonly #in: MpiInbox;
  readonly #open = new OpenRecvs();
  readonly #ended: Uint8Array;
  /** For each rank that has finalized: the MPI collectives it had started, by communicator number. */
  readonly #finalCounts: (Map<number, number> | undefined)[] = [];
  readonly #control: CommEntry;
  readonly #deadline: number;
  readonly #timeout: number;
  readonly #yield: (() => void) | null;
  /** Polls before a wait starts yielding its core: many when every local rank has a core, else one. */
  readonly #spin: number;
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
    const world = mpi.abi.COMM_WORLD;
    this.#comms.set(0, { handle: mpi.commDup(world), toWorld: null, toLocal: null, number: 0, started: 0 });
    this.#control = { handle: mpi.commDup(world), toWorld: null, toLocal: null, number: -1, started: 0 };
    this.#out = new MpiOutbox(mpi, this.#comms, tagLimitFor(mpi.tagUb()), options.eagerBytes ?? EAGER_BYTES);
    this.#in = new MpiInbox(mpi, this.#comms);
    this.matching = this.#in.matching(this, this.#open);
    this.shared = new MpiWindows(mpi, this.#comms, (buffer) => inFlight(this.#out.sends, this.#open, buffer));
    this.#timeout = options.timeoutSeconds ?? 0;
    this.#deadline = this.#timeout > 0 ? performance.now() + this.#timeout * 1000 : Infinity;
    this.#ended = new Uint8Array(this.size);
    this.#onAbort = options.onAbort;
    this.#yield = schedYield();
    const local = options.localRanks ?? this.size;
    this.#spin = local <= (navigator.hardwareConcurrency || 1) ? SPIN_DEDICATED : 1;
    this.native = new NativeCollectives(mpi, {
      comm: (ctx) => this.#comms.get(ctx, "collective"),
      live: () => this.#live(),
      idle: (w) => this.#idle(w),
      endedBefore: (r, comm, index) => this.#ended[r] === 1 && (this.#finalCounts[r]?.get(comm) ?? 0) < index,
      spin: this.#spin,
    });
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
    const p = this.#comms.get(parent, "split");
    const handle = color === null
      ? this.#mpi.commDup(p.handle)
      : this.#mpi.commSplit(p.handle, color < 0 ? this.#mpi.abi.UNDEFINED : color, key);
    if (members === null) return;
    const toWorld = Int32Array.from(members);
    const toLocal = new Int32Array(this.size).fill(-1);
    toWorld.forEach((w, i) => (toLocal[w] = i));
    this.#comms.set(context, { handle, toWorld, toLocal, number: context >> 1, started: 0 });
  }

  /** Makes communicator `context` of this rank alone on MPI_COMM_SELF (local; `self()`). */
  deriveSelf(context: number): void {
    this.#live();
    const toLocal = new Int32Array(this.size).fill(-1);
    toLocal[this.rank] = 0;
    const handle = this.#mpi.abi.COMM_SELF;
    this.#mpi.setErrorsReturn(handle);
    this.#comms.set(context, { handle, toWorld: Int32Array.of(this.rank), toLocal, number: context >> 1, started: 0 });
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
    if (this.#ended[dest] === 1) this.#toEnded(dest, tag, bytes.length);
    if (dest === this.rank) this.#in.arriveSelf(dest, kind, bytes, tag, context);
    else this.#out.send(kind, bytes, dest, tag, context);
  }

  sendNumber(x: number, kind: number, dest: number, tag: number, context: number): void {
    this.#num[0] = x;
    this.send(kind, this.#numBytes, dest, tag, context);
  }

  isend(kind: number, bytes: Uint8Array, dest: number, tag: number, context: number): PendingOp {
    this.#live();
    if (this.#ended[dest] === 1) this.#toEnded(dest, tag, bytes.length);
    if (dest !== this.rank) return this.#out.isend(kind, bytes, dest, tag, context);
    this.#in.arriveSelf(dest, kind, bytes, tag, context);
    return SENT;
  }

  #toEnded(dest: number, tag: number, bytes: number): never {
    throw unnamedError(
      `rank ${dest} has finished, so this message (tag ${tag}, ${bytes} bytes) can never be received`,
      "MPI_ERR_OTHER",
    );
  }

  // ---- receiving ---------------------------------------------------------------------

  recv(source: number, tag: number, context: number): Incoming {
    return this.recvInto(null, source, tag, context);
  }

  recvInto(into: ArrayBufferView | null, source: number, tag: number, context: number): Incoming {
    this.#live();
    const op = new RecvOp(source, tag, context, into);
    this.#in.post(op);
    if (op.msg === null) {
      try {
        this.#block(op);
      } catch (e) {
        if (op.msg === null) this.#in.matcher.cancel(op);
        throw e;
      }
    }
    return op.msg!;
  }

  irecv(source: number, tag: number, context: number, into: ArrayBufferView | null): PendingOp {
    this.#live();
    const op = new RecvOp(source, tag, context, into);
    this.#in.post(op);
    this.#open.add(op);
    return op;
  }

  test(op: PendingOp): boolean {
    this.#live();
    if (!op.done && !this.#progress(op) && !op.done) {
      // A loop of tests must also take in what peers send here, or two
      // ranks testing crossed large sends would wait for each other forever.
      this.#in.drain();
    }
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
    this.#out.progress();
    let m = this.#in.matcher.peek(source, tag, context);
    while (m === null && this.#in.pull(context, source)) m = this.#in.matcher.peek(source, tag, context);
    return m;
  }

  probe(source: number, tag: number, context: number): Envelope {
    this.#live();
    const w = { polls: 0 };
    for (;;) {
      const m = this.iprobe(source, tag, context);
      if (m !== null) return m;
      if (this.#idle(w) && source >= 0 && this.#ended[source] === 1 && this.iprobe(source, tag, context) === null) {
        throw unnamedError(
          `rank ${source} has finished without sending a matching message (tag ${
            tag === ANY_TAG ? "ANY_TAG" : tag
          }); this probe can never complete`,
          "MPI_ERR_OTHER",
        );
      }
    }
  }

  // ---- waiting ---------------------------------------------------------------------

  /** One round of progress toward `op`; true if anything moved. */
  #progress(op: PendingOp): boolean {
    let moved = this.#out.progress();
    if (op instanceof RecvOp && op.msg === null) {
      while (op.msg === null && this.#in.pull(op.context, op.source)) moved = true;
    }
    return moved;
  }

  /** The error `op` would fail with, once its peer has ended (Transport). */
  hopeless(op: PendingOp): Error | null {
    const peer = op instanceof RecvOp ? op.source : ((op as SendOp).dest ?? -1);
    if (op.done || peer < 0 || (this.#takeNotices(), this.#ended[peer] !== 1)) return null;
    this.#in.drain(); // what it sent before it ended
    this.#out.progress();
    try {
      return op.done ? null : this.#neverCompletes(op, peer);
    } catch (e) {
      return e as Error;
    }
  }

  /** Waits until `op` is done: polls, yields, and checks the deadline and ended peers. Reads `done` once a round. */
  #block(op: PendingOp): void {
    const w = { polls: 0 };
    const peer = op instanceof RecvOp ? op.source : (op as SendOp).dest;
    while (!op.done) {
      if (this.background.size > 0) driveBackground(this.background);
      if (this.#progress(op)) w.polls = 0;
      else if (this.#idle(w) && peer >= 0 && this.#ended[peer] === 1) {
        this.#in.drain(); // what it sent before it ended
        this.#out.progress();
        if (!op.done) this.#neverCompletes(op, peer);
      }
    }
  }

  #neverCompletes(op: PendingOp, peer: number): never {
    if (op instanceof RecvOp) {
      throw unnamedError(
        `rank ${peer} has finished without sending a matching message (tag ${
          op.tag === ANY_TAG ? "ANY_TAG" : op.tag
        }); this receive can never complete`,
        "MPI_ERR_OTHER",
      );
    }
    const s = op as SendOp;
    return this.#toEnded(peer, s.tag, s.bytes.length);
  }

  /**
   * After a poll that found nothing: spins, then yields the core; every 64
   * polls takes in what every communicator holds for this rank (so that a
   * peer's send waiting for its receive completes: on shared memory every
   * wait moves every ring); every 256 checks the deadline and reads the
   * "finalized" notices, and returns true (the caller then checks its peer).
   */
  #idle(w: { polls: number }, notices = true): boolean {
    const n = ++w.polls;
    if (n > this.#spin && this.#yield !== null) this.#yield();
    if ((n & 63) !== 0) return false;
    this.#in.drain();
    if ((n & 255) !== 0) return false;
    if (performance.now() > this.#deadline) this.#timedOut();
    if (notices) this.#takeNotices();
    return true;
  }

  /** Reads the "finalized" notices of other ranks. */
  #takeNotices(): void {
    const mpi = this.#mpi;
    while (mpi.improbe(mpi.abi.ANY_SOURCE, this.#control.handle)) {
      const from = mpi.statusSource();
      const counts = new Int32Array(mpi.count() >> 2);
      mpi.mrecv(new Uint8Array(counts.buffer));
      const m = new Map<number, number>();
      for (let i = 0; i + 1 < counts.length; i += 2) m.set(counts[i], counts[i + 1]);
      this.#finalCounts[from] = m;
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
    const why = inFlight(this.#out.sends, this.#open, view.buffer);
    if (why !== null) throw unnamedError(`${why}: wait for its request first`, "MPI_ERR_BUFFER");
    this.#mpi.freeMem(view);
  }

  // ---- the end -----------------------------------------------------------------------

  abort(code: number, message: string): never {
    this.#onAbort?.(code, message);
    this.#closed = true;
    // The report was just written to stderr, which the launcher forwards (MPICH's Hydra through a proxy): give it
    // a moment before MPI_Abort tears the job down, or the last lines can be lost (seen under load).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ABORT_FLUSH_MS);
    this.#mpi.abort(code);
    throw new AbortSignalled(code, message);
  }

  finalize(_exit = false): Leftover[] {
    if (this.#closed) return [];
    this.enter(C_FINALIZE, -1, -1, -1);
    try {
      const w = { polls: 0 };
      while (this.#out.sends.length > 0) {
        this.#in.drain();
        if (this.#out.progress()) continue;
        const dead = this.#out.sends.find((op) => this.#ended[op.dest] === 1);
        if (dead !== undefined) break; // reported below as never received
        this.#idle(w);
      }
    } finally {
      this.leave();
    }
    // Tell every other rank; wait until every other rank has told this one
    // (MPI_Finalize would wait for them anyway), so that everything sent
    // here has arrived; then take it in.
    const note = new Uint8Array(this.#comms.startedCounts().buffer);
    for (let r = 0; r < this.size; r++) if (r !== this.rank) this.#mpi.send(note, r, T_ENDED, this.#control.handle);
    const w = { polls: 0 };
    for (;;) {
      this.#takeNotices();
      if (this.#ended.every((e, r) => e === 1 || r === this.rank)) break;
      this.#idle(w, false);
    }
    this.#in.drain();
    const out = [...this.#in.leftovers(this.#open, this.rank), ...this.#out.leftovers(this.rank)];
    this.#closed = true;
    return out;
  }

  /** Ends MPI (after `finalize`): `MPI_Finalize`. */
  shutdown(): void {
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

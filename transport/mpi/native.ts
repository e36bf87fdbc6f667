/**
 * MPI's own collectives for typed data and built-in ops, so that the
 * library's tuned algorithms run (the interface is `NativeCollectives` in
 * transport.ts; the collectives layer decides when to call them).
 *
 * - **Data movement** (bcast, gather, scatter, allgather, alltoall) counts
 *   bytes of `MPI_BYTE`.
 * - **Reductions** use the kind's MPI datatype (`Abi.types`: none for
 *   Uint8ClampedArray, Float16Array and DataView, which spmd reduces itself)
 *   and the op of the same name: SUM, PROD, MAX and MIN for every mapped
 *   kind; BAND, BOR, BXOR, LAND, LOR and LXOR for integer kinds only (MPI
 *   has no logical op on floating point; spmd's gives 0 or 1 there).
 * - **IN_PLACE** (a `null` send) is the ABI's `MPI_IN_PLACE` pointer value.
 * - **Waiting.** Every call starts MPI's non-blocking form (`MPI_Iallreduce`,
 *   `MPI_Ibarrier`, `MPI_Ibcast`, ...) and polls it as a receive waits: it
 *   yields the core when ranks outnumber cores (MPICH spins inside its
 *   blocking collectives: at 3 ranks on 2 cores an `MPI_Allreduce` of one
 *   double took ~11 ms), the job's deadline applies, and a member that has
 *   finished without joining `agree` (the round in which the ranks compare
 *   what they passed, before any data moves) fails the call instead of
 *   leaving it waiting forever.
 *
 * @module
 */

import { unnamedError } from "../../errors.ts";
import type { NativeCollectives as Native } from "../transport.ts";
import {
  isIntegerKind,
  KIND_BIGINT64,
  KIND_BIGUINT64,
  KIND_FLOAT32,
  KIND_FLOAT64,
  KIND_INT16,
  KIND_INT32,
  KIND_INT8,
  KIND_UINT16,
  KIND_UINT32,
  KIND_UINT8,
  typedCtor,
} from "../typed.ts";
import type { CommEntry } from "./_comms.ts";
import type { MpiCalls } from "./_calls.ts";
import type { Handle, MpiSymbols } from "./lib.ts";

/** What the collectives need of the transport they belong to. */
export interface NativeHost {
  /** The MPI communicator of a context. */
  comm(context: number): CommEntry;
  /** Throws when the transport is closed. */
  live(): void;
  /** One poll that found nothing: backs off, checks the deadline; true every so often (ended ranks are then known). */
  idle(w: { polls: number }): boolean;
  /**
   * True once world rank `r` has finalized having started fewer than
   * `index` MPI collectives on communicator number `comm`: it never joined
   * collective number `index` there, so that one can never complete.
   */
  endedBefore(r: number, comm: number, index: number): boolean;
  /** Polls a wait makes before it starts yielding its core. */
  readonly spin: number;
}

const ALWAYS = new Set(["SUM", "PROD", "MAX", "MIN"]);
const INTEGER_ONLY = new Set(["BAND", "BOR", "BXOR", "LAND", "LOR", "LXOR"]);
/** The lowest and highest element of each integer kind (floating point: ±Infinity). */
const EXTREMES: Record<number, readonly [number, number] | readonly [bigint, bigint]> = {
  [KIND_INT8]: [-128, 127],
  [KIND_UINT8]: [0, 255],
  [KIND_INT16]: [-32768, 32767],
  [KIND_UINT16]: [0, 65535],
  [KIND_INT32]: [-(2 ** 31), 2 ** 31 - 1],
  [KIND_UINT32]: [0, 2 ** 32 - 1],
  [KIND_BIGINT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [KIND_BIGUINT64]: [0n, 2n ** 64n - 1n],
};

/** MPI's collectives on the communicator of a context. */
export class NativeCollectives implements Native {
  readonly maxCount = 0x7fffffff;
  readonly #mpi: MpiCalls;
  readonly #fn: MpiSymbols;
  readonly #host: NativeHost;
  readonly #byte: Handle;
  readonly #double: Handle;
  readonly #max: Handle;
  readonly #types: readonly Handle[];
  readonly #ops: Record<string, Handle>;
  readonly #inPlace: Deno.PointerValue;
  readonly #req = new Uint8Array(8);
  /** Whether MAX and MIN are the library's, by kind (found on first use). */
  readonly #ordered = new Map<number, boolean>();

  /** Collectives of `mpi` on the communicators that `host` finds. */
  constructor(mpi: MpiCalls, host: NativeHost) {
    this.#mpi = mpi;
    this.#fn = mpi.fn;
    this.#host = host;
    const abi = mpi.abi;
    this.#byte = abi.BYTE;
    this.#double = abi.types[KIND_FLOAT64];
    this.#max = abi.ops.MAX;
    this.#types = abi.types;
    this.#ops = abi.ops;
    this.#inPlace = Deno.UnsafePointer.create(BigInt.asUintN(64, abi.IN_PLACE));
  }

  reduces(kind: number, op: string): boolean {
    if (!(this.#types[kind] > 0)) return false;
    if (op === "MAX" || op === "MIN") {
      // Not on floating point: a tie between -0 and +0 (or a NaN) comes out of MPI's algorithms differently on
      // different ranks (MPICH's MPI_Iallreduce at 2 ranks gave rank 0 -0 and rank 1 +0); spmd's algorithms
      // give every rank the same bits.
      if (kind === KIND_FLOAT32 || kind === KIND_FLOAT64) return false;
      return this.#compares(kind);
    }
    return ALWAYS.has(op) || (INTEGER_ONLY.has(op) && isIntegerKind(kind));
  }

  /**
   * True when the library's MAX and MIN order elements of `kind` as
   * JavaScript does, tried once on the kind's extremes with
   * `MPI_Reduce_local` (MPICH 4.0.2 compares unsigned types as signed:
   * pmodels/mpich#6083; spmd's algorithms then reduce them).
   */
  #compares(kind: number): boolean {
    const known = this.#ordered.get(kind);
    if (known !== undefined) return known;
    const [lo, hi] = EXTREMES[kind] ?? [-Infinity, Infinity];
    const ctor = typedCtor(kind) as unknown as new (v: readonly unknown[]) => Float64Array;
    let ok = true;
    for (const [op, want] of [["MAX", hi], ["MIN", lo]] as const) {
      const a = new ctor([lo, hi]);
      const b = new ctor([hi, lo]);
      const rc = this.#fn.MPI_Reduce_local(a, b, 2, this.#types[kind], this.#ops[op]);
      if (rc !== 0 || b[0] !== want || b[1] !== want) ok = false;
    }
    this.#ordered.set(kind, ok);
    return ok;
  }

  agree(context: number, values: Float64Array): void {
    const e = this.#enter(context);
    const n = values.length;
    const rc = this.#fn.MPI_Iallreduce_IP(this.#inPlace, values, n, this.#double, this.#max, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Iallreduce");
    this.#wait(e);
  }

  barrier(context: number): void {
    const e = this.#enter(context);
    const rc = this.#fn.MPI_Ibarrier(e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Ibarrier");
    this.#wait(e);
  }

  bcast(context: number, buf: ArrayBufferView, root: number): void {
    const e = this.#enter(context);
    const rc = this.#fn.MPI_Ibcast(buf, buf.byteLength, this.#byte, root, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Ibcast");
    this.#wait(e);
  }

  reduce(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView | null,
    count: number,
    kind: number,
    op: string,
    root: number,
  ): void {
    const e = this.#enter(context);
    const t = this.#types[kind];
    const o = this.#ops[op];
    const rc = send === null
      ? this.#fn.MPI_Ireduce_IP(this.#inPlace, recv, count, t, o, root, e.handle, this.#req)
      : this.#fn.MPI_Ireduce(send, recv, count, t, o, root, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Ireduce");
    this.#wait(e);
  }

  allreduce(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView,
    count: number,
    kind: number,
    op: string,
  ): void {
    const e = this.#enter(context);
    const t = this.#types[kind];
    const o = this.#ops[op];
    const rc = send === null
      ? this.#fn.MPI_Iallreduce_IP(this.#inPlace, recv, count, t, o, e.handle, this.#req)
      : this.#fn.MPI_Iallreduce(send, recv, count, t, o, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Iallreduce");
    this.#wait(e);
  }

  scan(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView,
    count: number,
    kind: number,
    op: string,
    exclusive: boolean,
  ): void {
    const e = this.#enter(context);
    const t = this.#types[kind];
    const o = this.#ops[op];
    const f = this.#fn;
    const ip = this.#inPlace;
    const rc = exclusive
      ? (send === null
        ? f.MPI_Iexscan_IP(ip, recv, count, t, o, e.handle, this.#req)
        : f.MPI_Iexscan(send, recv, count, t, o, e.handle, this.#req))
      : (send === null
        ? f.MPI_Iscan_IP(ip, recv, count, t, o, e.handle, this.#req)
        : f.MPI_Iscan(send, recv, count, t, o, e.handle, this.#req));
    if (rc !== 0) this.#mpi.check(rc, exclusive ? "MPI_Iexscan" : "MPI_Iscan");
    this.#wait(e);
  }

  gather(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView | null,
    block: number,
    root: number,
  ): void {
    const e = this.#enter(context);
    const b = this.#byte;
    const rc = send === null
      ? this.#fn.MPI_Igather_IP(this.#inPlace, block, b, recv, block, b, root, e.handle, this.#req)
      : this.#fn.MPI_Igather(send, block, b, recv, block, b, root, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Igather");
    this.#wait(e);
  }

  scatter(
    context: number,
    send: ArrayBufferView | null,
    recv: ArrayBufferView | null,
    block: number,
    root: number,
  ): void {
    const e = this.#enter(context);
    const b = this.#byte;
    const rc = recv === null
      ? this.#fn.MPI_Iscatter_IP(send, block, b, this.#inPlace, block, b, root, e.handle, this.#req)
      : this.#fn.MPI_Iscatter(send, block, b, recv, block, b, root, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Iscatter");
    this.#wait(e);
  }

  allgather(context: number, send: ArrayBufferView | null, recv: ArrayBufferView, block: number): void {
    const e = this.#enter(context);
    const b = this.#byte;
    const rc = send === null
      ? this.#fn.MPI_Iallgather_IP(this.#inPlace, block, b, recv, block, b, e.handle, this.#req)
      : this.#fn.MPI_Iallgather(send, block, b, recv, block, b, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Iallgather");
    this.#wait(e);
  }

  alltoall(context: number, send: ArrayBufferView | null, recv: ArrayBufferView, block: number): void {
    const e = this.#enter(context);
    const b = this.#byte;
    const rc = send === null
      ? this.#fn.MPI_Ialltoall_IP(this.#inPlace, block, b, recv, block, b, e.handle, this.#req)
      : this.#fn.MPI_Ialltoall(send, block, b, recv, block, b, e.handle, this.#req);
    if (rc !== 0) this.#mpi.check(rc, "MPI_Ialltoall");
    this.#wait(e);
  }

  /** The communicator of `context`, once the transport is known to be open. */
  #enter(context: number): CommEntry {
    this.#host.live();
    return this.#host.comm(context);
  }

  /** Polls the request just started on `e` until it completes (see the module doc). */
  #wait(e: CommEntry): void {
    const mpi = this.#mpi;
    const req = this.#req;
    // Polls alone first (as many as the transport spins before yielding: taking in every communicator's
    // messages on each idle poll would slow a collective that completes within microseconds), then idly.
    const index = ++e.started;
    for (let i = this.#host.spin; i >= 0; i--) if (mpi.test(req)) return;
    const w = { polls: this.#host.spin };
    while (!mpi.test(req)) {
      if (!this.#host.idle(w)) continue;
      const gone = this.#missing(e, index);
      if (gone >= 0) throw unnamedError(`rank ${gone} has finished without joining this collective`, "MPI_ERR_OTHER");
    }
  }

  /**
   * World rank of a member of `e` that has finalized without starting
   * collective number `index` on it (its "finalized" notice counts what it
   * started), or −1. A member that started it has done its part: MPI
   * completes the call while that rank waits in its own finalize.
   */
  #missing(e: CommEntry, index: number): number {
    const members = e.toWorld;
    const n = members === null ? this.#mpi.commSize(e.handle) : members.length;
    for (let i = 0; i < n; i++) {
      const r = members === null ? i : members[i];
      if (this.#host.endedBefore(r, e.number, index)) return r;
    }
    return -1;
  }
}

/**
 * {@linkcode Comm}: a communicator, the group of ranks a program talks to.
 *
 * Point-to-point calls follow mpi4py's lowercase API: they move any
 * structured-cloneable value and return what arrives; bare typed arrays take
 * a zero-serialization fast path.
 *
 * @module
 */

import { ANY_SOURCE, ANY_TAG, type InPlace } from "./constants.ts";
import { nameCall } from "./errors.ts";
import type { Request } from "./request.ts";
import * as p2p from "./_p2p.ts";
import * as into from "./_buffer_api.ts";
import { alloc, type AllocType, free } from "./_alloc.ts";
import type { Status } from "./status.ts";
import type { Transport } from "./transport/transport.ts";
import { callCode, type CallName, collectiveContext } from "./transport/calls.ts";
import { checkAbortCode, checkNotDetached, checkPerRank, checkRoot, checkSplit } from "./_validate.ts";
import { Coll } from "./collectives/_coll.ts";
import { barrier } from "./collectives/barrier/select.ts";
import { bcast } from "./collectives/bcast/select.ts";
import { reduce } from "./collectives/reduce/select.ts";
import { allreduce } from "./collectives/allreduce/select.ts";
import { gather } from "./collectives/gather/select.ts";
import { scatter } from "./collectives/scatter/select.ts";
import { allgather } from "./collectives/allgather/select.ts";
import { alltoall } from "./collectives/alltoall/select.ts";
import { scan } from "./collectives/scan/select.ts";
import { gatherv } from "./collectives/gatherv/select.ts";
import { scatterv } from "./collectives/scatterv/select.ts";
import { allgatherv } from "./collectives/allgatherv/select.ts";
import { reduceScatter } from "./collectives/reduce_scatter/select.ts";
import { misfit, type Op, SUM, toOp } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";
import { typedMisfit } from "./collectives/_agree.ts";
import { dupComm, splitComm, UNDEFINED } from "./_split.ts";

export { UNDEFINED };

/** Options for {@linkcode Comm}'s constructor (used by `world()`, `split` and `dup`). */
export interface CommInit {
  /** The backend. */
  transport: Transport;
  /** Context id for point-to-point traffic; `context + 1` is used by collectives. */
  context: number;
  /** World rank of each member, in communicator rank order; omit for the world itself. */
  members?: readonly number[];
}

/**
 * A communicator. Obtain the world with `world()`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * if (comm.rank === 0) comm.send({ n: 42 }, 1 % comm.size, 7);
 * if (comm.rank === 1 % comm.size) console.log(comm.recv(0, 7)); // { n: 42 }
 * ```
 */
export class Comm {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  /** @internal The backend. */
  readonly transport: Transport;
  /** @internal Context id of point-to-point traffic. */
  readonly context: number;
  readonly #members: readonly number[] | null;
  readonly #worldToLocal: Map<number, number> | null;
  #coll: Coll | null = null;

  /** @internal Communicators are created by `world()`, `split` and `dup`. */
  constructor(init: CommInit) {
    const t = init.transport;
    this.transport = t;
    this.context = init.context;
    if (init.members === undefined) {
      this.#members = null;
      this.#worldToLocal = null;
      this.rank = t.rank;
      this.size = t.size;
    } else {
      const members = init.members;
      this.#members = members;
      const back = new Map<number, number>();
      members.forEach((w, i) => back.set(w, i));
      this.#worldToLocal = back;
      this.rank = back.get(t.rank) ?? -1;
      this.size = members.length;
    }
  }

  /** @internal World rank of communicator rank `r` (wildcards and PROC_NULL pass through). */
  worldRank(r: number): number {
    return this.#members === null || r < 0 ? r : this.#members[r];
  }

  /** @internal Communicator rank of world rank `w`. */
  localRank(w: number): number {
    return this.#worldToLocal === null || w < 0 ? w : (this.#worldToLocal.get(w) ?? -1);
  }

  // ---- point-to-point (the logic is in _p2p.ts) ----------------------------------

  /**
   * Sends `value` to rank `dest` with `tag` (standard mode: returns once the
   * value is copied out; never waits for the matching receive unless the
   * ring to `dest` is full).
   */
  send(value: unknown, dest: number, tag = 0): void {
    p2p.send(this, value, dest, tag);
  }

  /**
   * Receives a message and returns its value. `source` and `tag` may be
   * ANY_SOURCE / ANY_TAG; `status`, when given, is filled in.
   */
  recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): T {
    return p2p.recv(this, source, tag, status) as T;
  }

  /**
   * Receives a typed-array message into `buffer` (its bytes are copied in;
   * the message may be shorter). Returns the message's {@linkcode Status}.
   * A larger message throws `TruncateError` and is consumed.
   */
  recvInto(buffer: ArrayBufferView, source: number = ANY_SOURCE, tag: number = ANY_TAG): Status {
    return p2p.recvInto(this, buffer, source, tag);
  }

  /**
   * Sends `value` to `dest` and receives from `source` at once, without
   * deadlock however large the messages; returns the received value.
   */
  sendrecv<T = unknown>(
    value: unknown,
    dest: number,
    sendTag = 0,
    source: number = ANY_SOURCE,
    recvTag: number = ANY_TAG,
    status?: Status,
  ): T {
    return p2p.sendrecv(this, value, dest, sendTag, source, recvTag, status) as T;
  }

  /**
   * Starts a send and returns its {@linkcode Request}. A typed array is sent
   * from its own memory: do not modify it until the request completes.
   */
  isend(value: unknown, dest: number, tag = 0): Request<undefined> {
    return p2p.isend(this, value, dest, tag);
  }

  /** Starts a receive; `wait()` on the request returns the value. */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    return p2p.irecv<T>(this, source, tag, null, "irecv");
  }

  /**
   * Starts a receive into `buffer` (a typed array). `wait()` returns
   * undefined; the status tells the source, tag and byte count.
   */
  irecvInto(buffer: ArrayBufferView, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<undefined> {
    return p2p.irecv<undefined>(this, source, tag, buffer, "irecvInto");
  }

  /** Waits until a matching message can be received; returns its {@linkcode Status}. */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status {
    return p2p.probe(this, source, tag);
  }

  /** Returns the {@linkcode Status} of a matching message if one is there, else `null`. */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Status | null {
    return p2p.iprobe(this, source, tag);
  }

  /**
   * A typed array of `length` elements of `Type` (Float64Array, Int32Array,
   * ...) in memory every rank can read (MPI_Alloc_mem), 64-byte aligned; a
   * reused block keeps old contents. Sending one of 32 KiB or more copies it
   * once, by the receiver straight from this rank's memory. Limited per rank
   * (`--heap`, `spawn(..., { heapBytes })`, 1 GiB by default); return it
   * with `free`.
   */
  alloc<T extends ArrayBufferView>(Type: AllocType<T>, length: number): T {
    return alloc(this.transport, Type, length);
  }

  /** Returns an array that {@linkcode Comm.alloc} gave (MPI_Free_mem); the array must not be used after. */
  free(array: ArrayBufferView): void {
    free(this.transport, array);
  }

  // ---- collectives ---------------------------------------------------------------

  /** Runs collective `call` (rooted at `root`, or −1): records it in the activity block and names its errors. */
  #run<R>(call: CallName, root: number, body: (c: Coll) => R): R {
    const c = this.#coll ??= new Coll(this);
    c.call = call;
    const t = this.transport;
    t.enter(callCode(call), root, -1, collectiveContext(this.context));
    try {
      return body(c);
    } catch (e) {
      throw nameCall(call, e);
    } finally {
      t.leave();
    }
  }

  /** Blocks until every rank of the communicator has called `barrier` (dissemination, ⌈log2 p⌉ rounds). */
  barrier(): void {
    this.#run("barrier", -1, barrier);
  }

  /**
   * Broadcasts `value` from `root`; returns it on every rank (binomial tree;
   * scatter + allgather for large typed arrays). Non-root ranks' `value` is ignored.
   *
   * The root gets back its own `value`, not a copy (as MPI's buffer bcast,
   * and free for large arrays; mpi4py's pickling `bcast` returns a copy):
   * modifying the result on the root modifies its input. Other ranks get
   * new values.
   */
  bcast<T = unknown>(value: T, root = 0): T {
    checkRoot("bcast", root, this.size);
    return this.#run("bcast", root, (c) => bcast(c, value, root)) as T;
  }

  /**
   * Reduces every rank's value with `op`; returns the result on `root` and
   * `null` elsewhere (binomial tree).
   *
   * Inputs that disagree between ranks (typed arrays of other lengths or
   * types, a bigint and a number, a value `op` does not apply to on some
   * ranks): the root throws an SpmdError naming the ranks and what they
   * passed, and so does every rank that combined the bad values or passed a
   * bad one; ranks that only sent good values return `null` as usual (they
   * cannot learn of it without another round on every call). The
   * communicator stays usable. `allreduce`, `scan`, `exscan` and
   * `reduceScatter` throw the same error on every rank.
   */
  reduce<T = unknown>(value: T, op: Op | ((a: T, b: T) => T) = SUM, root = 0): T | null {
    const o = toOp("reduce", op);
    checkRoot("reduce", root, this.size);
    return this.#run("reduce", root, (c) => reduce(c, value, o, root, misfit(o, value))) as T | null;
  }

  /**
   * Reduces every rank's value with `op`; returns the result on every rank
   * (recursive doubling; a ring for large typed arrays). Inputs that
   * disagree between ranks throw the same SpmdError on every rank.
   */
  allreduce<T = unknown>(value: T, op: Op | ((a: T, b: T) => T) = SUM): T {
    const o = toOp("allreduce", op);
    return this.#run("allreduce", -1, (c) => allreduce(c, value, o, misfit(o, value))) as T;
  }

  /** Returns the list of every rank's value on `root` (in rank order) and `null` elsewhere (binomial tree). */
  gather<T = unknown>(value: T, root = 0): T[] | null {
    checkRoot("gather", root, this.size);
    checkNotDetached("gather", value);
    return this.#run("gather", root, (c) => gather(c, value, root)) as T[] | null;
  }

  /** Root passes an array of `size` values; each rank gets its own (binomial tree). Others pass anything (ignored). */
  scatter<T = unknown>(values: readonly T[] | null, root = 0): T {
    checkRoot("scatter", root, this.size);
    const mine = this.rank === root ? checkPerRank("scatter", values, this.size) : null;
    return this.#run("scatter", root, (c) => scatter(c, mine, root)) as T;
  }

  /** Returns every rank's value, in rank order, on every rank (recursive doubling or ring). */
  allgather<T = unknown>(value: T): T[] {
    checkNotDetached("allgather", value);
    return this.#run("allgather", -1, (c) => allgather(c, value)) as T[];
  }

  /** `values[j]` goes to rank j; returns the values every rank sent here, in rank order (pairwise exchange). */
  alltoall<T = unknown>(values: readonly T[]): T[] {
    const all = checkPerRank("alltoall", values, this.size);
    return this.#run("alltoall", -1, (c) => alltoall(c, all)) as T[];
  }

  /** Inclusive prefix reduction: rank r gets op(v0, ..., vr) (recursive doubling). */
  scan<T = unknown>(value: T, op: Op | ((a: T, b: T) => T) = SUM): T {
    const o = toOp("scan", op);
    return this.#run("scan", -1, (c) => scan(c, value, o, false, misfit(o, value))) as T;
  }

  /** Exclusive prefix reduction: rank r gets op(v0, ..., v(r−1)); rank 0 gets `null`. */
  exscan<T = unknown>(value: T, op: Op | ((a: T, b: T) => T) = SUM): T | null {
    const o = toOp("exscan", op);
    return this.#run("exscan", -1, (c) => scan(c, value, o, true, misfit(o, value))) as T | null;
  }

  /**
   * Gathers typed-array blocks of unequal length: rank r passes `counts[r]`
   * elements; `root` gets one concatenated array of the same type, others `null`.
   */
  gatherv<A extends ArrayBufferView>(array: A, counts: readonly number[], root = 0): A | null {
    checkRoot("gatherv", root, this.size);
    return this.#run("gatherv", root, (c) => gatherv(c, array, counts, root, typedMisfit(array))) as A | null;
  }

  /**
   * Root passes one array of sum(counts) elements; rank r gets its
   * `counts[r]` elements (a new array). Every rank passes the same counts.
   */
  scatterv<A extends ArrayBufferView>(array: A | null, counts: readonly number[], root = 0): A {
    checkRoot("scatterv", root, this.size);
    const mine = this.rank === root ? array : null;
    const bad = this.rank === root ? typedMisfit(array) : null;
    return this.#run("scatterv", root, (c) => scatterv(c, mine, counts, root, bad)) as A;
  }

  /** Every rank passes `counts[rank]` elements; every rank gets the concatenation. */
  allgatherv<A extends ArrayBufferView>(array: A, counts: readonly number[]): A {
    return this.#run("allgatherv", -1, (c) => allgatherv(c, array, counts, typedMisfit(array))) as A;
  }

  /**
   * Element-wise reduction of every rank's array (sum(counts) elements);
   * rank r gets block r of the result, `counts[r]` elements. Every rank
   * passes the same counts; counts or arrays that disagree throw the same
   * SpmdError on every rank.
   */
  reduceScatter<A extends NumericArray | number[]>(
    array: A,
    counts: readonly number[],
    op: Op | ((a: A, b: A) => A) = SUM,
  ): A {
    const o = toOp("reduceScatter", op);
    return this.#run("reduceScatter", -1, (c) => reduceScatter(c, array, counts, o)) as A;
  }

  // ---- buffer collectives (mpi4py's Allreduce(sendbuf, recvbuf), ...; the logic is in _buffer_api.ts) ----
  // Typed arrays only, nothing allocated; `send` may be IN_PLACE where MPI allows it. Arrays that disagree
  // between ranks throw an SpmdError: on every rank without a root, on the ranks that find it with one.

  /** Reduces every rank's `send` (`recv` itself for IN_PLACE) with `op` into `recv`: the same bits on every rank. */
  allreduceInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.allreduceInto(this, send, recv, op);
  }

  /** Reduces every rank's `send` into `recv` on `root` (IN_PLACE on the root only); others' `recv` is unused. */
  reduceInto(send: NumericArray | InPlace, recv: NumericArray | null, op: Op = SUM, root = 0): void {
    into.reduceInto(this, send, recv, op, root);
  }

  /** Copies the root's `buf` into every rank's `buf` (one type and length everywhere). */
  bcastInto(buf: NumericArray, root = 0): void {
    into.bcastInto(this, buf, root);
  }

  /** Every rank's `send` into block r (of `send.length`) of every rank's `recv`; IN_PLACE: own block is in `recv`. */
  allgatherInto(send: NumericArray | InPlace, recv: NumericArray): void {
    into.allgatherInto(this, send, recv);
  }

  /** Every rank's `send` into block r of `recv` on `root` (IN_PLACE on the root only); others' `recv` is unused. */
  gatherInto(send: NumericArray | InPlace, recv: NumericArray | null, root = 0): void {
    into.gatherInto(this, send, recv, root);
  }

  /** Block r of the root's `send` into rank r's `recv` (the root's `recv` may be IN_PLACE); others' `send` is unused. */
  scatterInto(send: NumericArray | null, recv: NumericArray | InPlace, root = 0): void {
    into.scatterInto(this, send, recv, root);
  }

  /** Block j of every rank's `send` (IN_PLACE: of its `recv`) into block r of rank j's `recv`. */
  alltoallInto(send: NumericArray | InPlace, recv: NumericArray): void {
    into.alltoallInto(this, send, recv);
  }

  /** Inclusive prefix reduction into `recv`: rank r gets op(send0, ..., send_r). */
  scanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.scanInto(this, send, recv, op, "scanInto");
  }

  /** Exclusive prefix reduction into `recv`: rank r gets op(send0, ..., send_r−1); rank 0's `recv` is untouched. */
  exscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.scanInto(this, send, recv, op, "exscanInto");
  }

  /** @internal The communicator's collectives, named for `call` (for _buffer_api.ts). */
  collFor(call: string): Coll {
    const c = this.#coll ??= new Coll(this);
    c.call = call;
    return c;
  }

  // ---- communicators ---------------------------------------------------------------

  /**
   * Splits the communicator: ranks that pass the same `color` form a new
   * communicator, ordered by `key` (ties by rank). Color `UNDEFINED` gets
   * `null`. Every rank must call it.
   */
  split(color: number, key: number = this.rank): Comm | null {
    checkSplit(color, key, UNDEFINED);
    return splitComm(this, (init) => new Comm(init), color, key);
  }

  /** A communicator with the same ranks and a separate message context (MPI_Comm_dup). */
  dup(): Comm {
    return dupComm(this, (init) => new Comm(init));
  }

  /** @internal World ranks of the members, or null for the world itself. */
  get members(): readonly number[] | null {
    return this.#members;
  }

  // ---- job control -------------------------------------------------------------

  /**
   * Stops every rank of the job (MPI_Abort). The launcher prints the report
   * and exits with `code` exactly as given, even 0. Never returns.
   */
  abort(code = 1, message = `comm.abort(${code}) called`): never {
    checkAbortCode(code);
    return this.transport.abort(code, String(message));
  }
}

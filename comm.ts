/**
 * {@linkcode Comm}: a communicator, the group of ranks a program talks to.
 *
 * Point-to-point calls follow mpi4py's lowercase API: they move any
 * structured-cloneable value and return what arrives; bare typed arrays take
 * a zero-serialization fast path.
 *
 * @module
 */

import { nameCall } from "./errors.ts";
import type { CommInit } from "./_comm_p2p.ts";
import { BufferCollectives } from "./_comm_into.ts";
import { callCode, type CallName, collectiveContext } from "./transport/calls.ts";
import { checkAbortCode, checkNotDetached, checkPerRank, checkRoot, checkSplit } from "./_validate.ts";
import type { Coll } from "./collectives/_coll.ts";
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
import { reduceScatter, reduceScatterBlock } from "./collectives/reduce_scatter/select.ts";
import { alltoallv } from "./collectives/alltoallv/select.ts";
import { misfit, type OpArg, SUM, toOp } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";
import { typedMisfit } from "./collectives/_agree.ts";
import { createComm, dupComm, splitComm, UNDEFINED } from "./_split.ts";
import { Group } from "./group.ts";
import { compareComms } from "./_compare.ts";
import { describe, SpmdError } from "./errors.ts";
import * as topo from "./_topology.ts";
import { allocateShared, type SharedWindow, type WindowType } from "./window.ts";

export { UNDEFINED };
export type { CommInit };

/** What `createCart` returns: a `CartComm` (topology.ts), typed here without importing it (no cycle). */
export interface CartView extends Comm, topo.Cartesian<CartView> {
  /** A new communicator of the same grid (as MPI_Comm_dup, it keeps the topology). */
  dup(): CartView;
}
/** What `createDistGraphAdjacent` returns: a `DistGraphComm` (topology.ts), typed here without importing it. */
export interface DistGraphView extends Comm, topo.DistGraph {
  /** A new communicator of the same graph (as MPI_Comm_dup, it keeps the topology). */
  dup(): DistGraphView;
}

/**
 * A communicator: the point-to-point calls of {@linkcode PointToPoint},
 * collectives, and making communicators. Obtain the world with `world()`.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * const total = comm.allreduce(comm.rank); // 0 + 1 + ... + (size - 1) on every rank
 * if (comm.rank === 0) console.log(total === (comm.size * (comm.size - 1)) / 2); // true
 * ```
 */
export class Comm extends BufferCollectives {
  // ---- collectives ---------------------------------------------------------------

  /** Runs collective `call` (rooted at `root`, or −1): records it in the activity block and names its errors. */
  #run<R>(call: CallName, root: number, body: (c: Coll) => R): R {
    const c = this.collFor(call);
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
  reduce<T = unknown>(value: T, op: OpArg<T> = SUM, root = 0): T | null {
    const o = toOp("reduce", op);
    checkRoot("reduce", root, this.size);
    return this.#run("reduce", root, (c) => reduce(c, value, o, root, misfit(o, value))) as T | null;
  }

  /**
   * Reduces every rank's value with `op`; returns the result on every rank
   * (recursive doubling; a ring for large typed arrays). Inputs that
   * disagree between ranks throw the same SpmdError on every rank.
   */
  allreduce<T = unknown>(value: T, op: OpArg<T> = SUM): T {
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
  scan<T = unknown>(value: T, op: OpArg<T> = SUM): T {
    const o = toOp("scan", op);
    return this.#run("scan", -1, (c) => scan(c, value, o, false, misfit(o, value))) as T;
  }

  /** Exclusive prefix reduction: rank r gets op(v0, ..., v(r−1)); rank 0 gets `null`. */
  exscan<T = unknown>(value: T, op: OpArg<T> = SUM): T | null {
    const o = toOp("exscan", op);
    return this.#run("exscan", -1, (c) => scan(c, value, o, true, misfit(o, value))) as T | null;
  }

  /**
   * Gathers typed-array blocks of unequal length: rank r passes `counts[r]`
   * elements; `root` gets one array of the same type, others `null`. Without
   * `displs` the blocks are packed in rank order; with them rank r's block
   * starts at `displs[r]`, the result is max(displs[i] + counts[i]) long and
   * the gaps are zero (blocks may not overlap). Every rank passes the same
   * counts (and displs).
   */
  gatherv<A extends ArrayBufferView>(
    array: A,
    counts: readonly number[],
    root = 0,
    displs: readonly number[] | null = null,
  ): A | null {
    checkRoot("gatherv", root, this.size);
    const bad = typedMisfit(array);
    return this.#run("gatherv", root, (c) => gatherv(c, array, counts, root, bad, displs)) as A | null;
  }

  /**
   * Root passes one array of sum(counts) elements (with `displs`: rank r's
   * block is the `counts[r]` elements from `displs[r]`, blocks may overlap);
   * rank r gets its block (a new array). Every rank passes the same counts.
   */
  scatterv<A extends ArrayBufferView>(
    array: A | null,
    counts: readonly number[],
    root = 0,
    displs: readonly number[] | null = null,
  ): A {
    checkRoot("scatterv", root, this.size);
    const mine = this.rank === root ? array : null;
    const bad = this.rank === root ? typedMisfit(array) : null;
    return this.#run("scatterv", root, (c) => scatterv(c, mine, counts, root, bad, displs)) as A;
  }

  /** Every rank passes `counts[rank]` elements; every rank gets them all, packed or at `displs` (as gatherv). */
  allgatherv<A extends ArrayBufferView>(
    array: A,
    counts: readonly number[],
    displs: readonly number[] | null = null,
  ): A {
    return this.#run("allgatherv", -1, (c) => allgatherv(c, array, counts, typedMisfit(array), displs)) as A;
  }

  /**
   * All-to-all of typed-array blocks of unequal length (mpi4py's
   * `Alltoallv([array, sendCounts, sendDispls], [recv, recvCounts,
   * recvDispls])`, returning the result): `sendCounts[j]` elements of
   * `array`, from `sendDispls[j]` (packed in rank order when null), go to
   * rank j. Returns a new array of the same type with rank i's block of
   * `recvCounts[i]` elements at `recvDispls[i]` (packed when null; gaps
   * zero). `recvCounts` may be null: they are learned from the senders;
   * when given they must match. Mismatches throw the same SpmdError on
   * every rank.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * const comm = world();
   * // Rank r sends j + 1 copies of r to rank j: rank j gets j + 1 elements from each rank.
   * const counts = Array.from({ length: comm.size }, (_, j) => j + 1);
   * const send = new Int32Array(counts.reduce((a, b) => a + b, 0)).fill(comm.rank);
   * const got = comm.alltoallv(send, counts); // [0 × (rank+1), 1 × (rank+1), ...]
   * ```
   */
  alltoallv<A extends ArrayBufferView>(
    array: A,
    sendCounts: readonly number[],
    sendDispls: readonly number[] | null = null,
    recvCounts: readonly number[] | null = null,
    recvDispls: readonly number[] | null = null,
  ): A {
    const args = { array, sendCounts, sendDispls, recvCounts, recvDispls };
    return this.#run("alltoallv", -1, (c) => alltoallv(c, args, typedMisfit(array))) as A;
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
    op: OpArg<A> = SUM,
  ): A {
    const o = toOp("reduceScatter", op);
    return this.#run("reduceScatter", -1, (c) => reduceScatter(c, array, counts, o)) as A;
  }

  /**
   * Element-wise reduction of every rank's array, whose length is a
   * multiple of `size`; rank r gets block r of the result (length / size
   * elements; MPI_Reduce_scatter_block). Arrays that disagree throw the same
   * SpmdError on every rank.
   */
  reduceScatterBlock<A extends NumericArray | number[]>(array: A, op: OpArg<A> = SUM): A {
    const o = toOp("reduceScatterBlock", op);
    return this.#run("reduceScatterBlock", -1, (c) => reduceScatterBlock(c, array, o)) as A;
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

  #name = "";

  /** The communicator's name ("MPI_COMM_WORLD", "MPI_COMM_SELF", or what `setName` set; "" for others). */
  get name(): string {
    return this.#name;
  }

  /** Names the communicator on this rank (MPI_Comm_set_name; local). */
  setName(name: string): void {
    if (typeof name !== "string") {
      throw new SpmdError(`setName: name must be a string, got ${describe(name)}`, "MPI_ERR_ARG");
    }
    this.#name = name;
  }

  /**
   * Without an argument: frees the communicator (MPI_Comm_free, local
   * here): every later call on it throws an SpmdError naming it; the world
   * and `self()` cannot be freed. With an array: returns memory that
   * `alloc` gave (MPI_Free_mem).
   */
  override free(...array: [] | [ArrayBufferView]): void {
    if (array.length > 0) return super.free(array[0]!);
    this.checkLive("free");
    const name = this.#name === "" ? `comm=${this.context >> 1}` : this.#name;
    if (this.predefined) throw new SpmdError(`free: ${name} cannot be freed`, "MPI_ERR_COMM");
    this.markFreed(`communicator ${name} was freed (comm.free())`);
  }

  /**
   * Compares with communicator `other` (MPI_Comm_compare; local): `IDENT`
   * (the same communicator), `CONGRUENT` (the same ranks in the same order),
   * `SIMILAR` (the same ranks in another order) or `UNEQUAL`.
   */
  compare(other: Comm): number {
    if (!(other instanceof Comm)) {
      throw new SpmdError(`compare: other must be a communicator, got ${describe(other)}`, "MPI_ERR_COMM");
    }
    return compareComms(this, other);
  }

  /** The communicator's processes as a {@linkcode Group} (MPI_Comm_group; local). */
  get group(): Group {
    return new Group(Array.from({ length: this.size }, (_, r) => this.worldRank(r)), this.transport.rank);
  }

  /** A communicator of `group`'s processes in group order; null off the group. Every rank passes the same group. */
  create(group: Group): Comm | null {
    if (!(group instanceof Group)) throw new SpmdError(`create: group must be a Group, got ${describe(group)}`);
    return createComm(this, (init) => new Comm(init), group.worldRanks, this.transport.rank);
  }

  // ---- topologies (the logic is in _topology.ts; the classes in topology.ts) ----

  /**
   * A Cartesian grid of `dims` over the first prod(dims) ranks, in rank
   * order (row-major: the last dimension varies fastest), as a `CartComm`;
   * ranks beyond the grid get `null` (MPI_COMM_NULL). `periods` (one per
   * dimension, or one boolean for all) makes dimensions wrap; `reorder` is
   * accepted and keeps the order (every rank is on one machine). Every rank
   * must call it. Use `computeDims` for a balanced `dims`.
   */
  createCart(dims: readonly number[], periods?: readonly boolean[] | boolean, reorder = false): CartView | null {
    return topo.createCart(this, dims, periods, reorder) as CartView | null;
  }

  /**
   * Splits the communicator into the groups of ranks that share memory
   * (MPI_Comm_split_type with `COMM_TYPE_SHARED`), ordered by `key`; `UNDEFINED`
   * gets `null`. On shared memory that is every rank (a new communicator of
   * the same ranks); on the MPI backend ranks are grouped by host name.
   */
  splitType(type: number, key: number = this.rank): Comm | null {
    return topo.splitType(this, (init) => new Comm(init), type, key);
  }

  /**
   * A distributed graph communicator (mpi4py's `Create_dist_graph_adjacent`,
   * a `DistGraphComm`): this rank receives from `sources` and sends to
   * `destinations`, for `neighborAllgather` and `neighborAlltoall`. The
   * ranks' lists must agree (a lists b as a destination as often as b lists
   * a as a source); otherwise every rank throws the same SpmdError.
   */
  createDistGraphAdjacent(sources: readonly number[], destinations: readonly number[]): DistGraphView {
    return topo.createDistGraphAdjacent(this, sources, destinations) as DistGraphView;
  }

  // ---- shared-memory windows (window.ts) ----

  /**
   * A shared-memory window of `localLength` elements of `Type` on each rank
   * (MPI_Win_allocate_shared; collective, the same `Type` on every rank):
   * typed arrays over memory every rank reads and writes, with one-sided
   * operations and MPI's epochs. See {@linkcode SharedWindow}.
   */
  allocateShared<A extends NumericArray>(Type: WindowType<A>, localLength: number): SharedWindow<A> {
    this.checkLive("allocateShared");
    const t = this.transport;
    t.enter(callCode("allocateShared"), -1, -1, collectiveContext(this.context));
    try {
      return allocateShared(this, Type, localLength);
    } finally {
      t.leave();
    }
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

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

/**
 * What `createCart` returns: a `CartComm` (topology.ts), typed here without importing it (no cycle).
 *
 * @example
 * ```ts
 * import { type CartView, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const cart: CartView | null = comm.createCart([comm.size]);
 * equal(cart?.ndim, 1);
 * ```
 */
export interface CartView extends Comm, topo.Cartesian<CartView> {
  /** A new communicator of the same grid (as MPI_Comm_dup, it keeps the topology). */
  dup(): CartView;
}
/**
 * What `createDistGraphAdjacent` returns: a `DistGraphComm` (topology.ts), typed here without importing it.
 *
 * @example
 * ```ts
 * import { type DistGraphView, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const g: DistGraphView = comm.createDistGraphAdjacent([], []);
 * deepEqual(g.neighborAllgather(1), []);
 * ```
 */
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
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const total = comm.allreduce(comm.rank); // 0 + 1 + ... + (size - 1) on every rank
 * equal(total, (comm.size * (comm.size - 1)) / 2);
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

  /**
   * Blocks until every rank of the communicator has called `barrier` (dissemination, ⌈log2 p⌉ rounds).
   *
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const before = comm.allreduce(1);
   * comm.barrier(); // returns on a rank once every rank has called it
   * equal(before, comm.size);
   * ```
   */
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
   *
   * @param value What to send (any structured-cloneable value); read on `root` only.
   * @param root The rank that sends (default 0).
   * @returns `root`'s value, on every rank.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank of the communicator; `MPI_ERR_COMM` if it was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const config = comm.bcast(comm.rank === 0 ? { steps: 10 } : null, 0);
   * deepEqual(config, { steps: 10 });
   * ```
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
   *
   * @param value This rank's contribution: a number, bigint, typed array or anything `op` combines.
   * @param op The reduction: `SUM` (default), `MAX`, ..., or a function `(a, b) => c`.
   * @param root The rank that gets the result (default 0).
   * @returns The reduction on `root`; `null` on the other ranks.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_OP` if `op` is not an op, does not apply to the values, or the values disagree; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { SUM, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const sum = comm.reduce(comm.rank + 1, SUM, 0);
   * equal(sum, comm.rank === 0 ? (comm.size * (comm.size + 1)) / 2 : null);
   * ```
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
   *
   * @param value This rank's contribution: a number, bigint, typed array (reduced element-wise) or anything `op` combines.
   * @param op The reduction: `SUM` (default), `MAX`, ..., or a function `(a, b) => c`.
   * @returns The reduction of every rank's value, on every rank.
   * @throws {SpmdError} `MPI_ERR_OP` (on every rank) if `op` does not apply to the values, or the ranks' values disagree (arrays of other lengths or types).
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { MAX, world } from "@spmd/spmd";
   * import { deepEqual, equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.allreduce(comm.rank, MAX), comm.size - 1);
   * deepEqual(comm.allreduce(new Float64Array([1, 2])), new Float64Array([comm.size, 2 * comm.size]));
   * ```
   */
  allreduce<T = unknown>(value: T, op: OpArg<T> = SUM): T {
    const o = toOp("allreduce", op);
    return this.#run("allreduce", -1, (c) => allreduce(c, value, o, misfit(o, value))) as T;
  }

  /**
   * Returns the list of every rank's value on `root` (in rank order) and `null` elsewhere (binomial tree).
   *
   * @param value This rank's value (any structured-cloneable value).
   * @param root The rank that gets the list (default 0).
   * @returns On `root`, `[value of rank 0, value of rank 1, ...]`; `null` on the other ranks.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if `value` is a detached buffer; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const all = comm.gather(comm.rank * 10, 0);
   * deepEqual(all, comm.rank === 0 ? Array.from({ length: comm.size }, (_, r) => r * 10) : null);
   * ```
   */
  gather<T = unknown>(value: T, root = 0): T[] | null {
    checkRoot("gather", root, this.size);
    checkNotDetached("gather", value);
    return this.#run("gather", root, (c) => gather(c, value, root)) as T[] | null;
  }

  /**
   * Root passes an array of `size` values; each rank gets its own (binomial tree). Others pass anything (ignored).
   *
   * @param values On `root`, one value per rank; ignored elsewhere (pass `null`).
   * @param root The rank that sends (default 0).
   * @returns `values[rank]` of the root.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COUNT` if the root's `values` is not an array of `size` values; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const work = comm.rank === 0 ? Array.from({ length: comm.size }, (_, r) => `task ${r}`) : null;
   * equal(comm.scatter(work, 0), `task ${comm.rank}`);
   * ```
   */
  scatter<T = unknown>(values: readonly T[] | null, root = 0): T {
    checkRoot("scatter", root, this.size);
    const mine = this.rank === root ? checkPerRank("scatter", values, this.size) : null;
    return this.#run("scatter", root, (c) => scatter(c, mine, root)) as T;
  }

  /**
   * Returns every rank's value, in rank order, on every rank (recursive doubling or ring).
   *
   * @param value This rank's value (any structured-cloneable value).
   * @returns `[value of rank 0, value of rank 1, ...]`, on every rank.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if `value` is a detached buffer; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * deepEqual(comm.allgather(comm.rank), [...Array(comm.size).keys()]);
   * ```
   */
  allgather<T = unknown>(value: T): T[] {
    checkNotDetached("allgather", value);
    return this.#run("allgather", -1, (c) => allgather(c, value)) as T[];
  }

  /**
   * `values[j]` goes to rank j; returns the values every rank sent here, in rank order (pairwise exchange).
   *
   * @param values One value per rank: `values[j]` is for rank j.
   * @returns What each rank sent to this one: element i came from rank i.
   * @throws {SpmdError} `MPI_ERR_COUNT` if `values` is not an array of `size` values; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const got = comm.alltoall(Array.from({ length: comm.size }, (_, j) => `${comm.rank}→${j}`));
   * deepEqual(got, Array.from({ length: comm.size }, (_, i) => `${i}→${comm.rank}`));
   * ```
   */
  alltoall<T = unknown>(values: readonly T[]): T[] {
    const all = checkPerRank("alltoall", values, this.size);
    return this.#run("alltoall", -1, (c) => alltoall(c, all)) as T[];
  }

  /**
   * Inclusive prefix reduction: rank r gets op(v0, ..., vr) (recursive doubling).
   *
   * @param value This rank's contribution.
   * @param op The reduction (default `SUM`).
   * @returns The reduction of the values of ranks 0 to this one.
   * @throws {SpmdError} `MPI_ERR_OP` (on every rank) if `op` does not apply to the values, or the ranks' values disagree (arrays of other lengths or types).
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.scan(1), comm.rank + 1);
   * ```
   */
  scan<T = unknown>(value: T, op: OpArg<T> = SUM): T {
    const o = toOp("scan", op);
    return this.#run("scan", -1, (c) => scan(c, value, o, false, misfit(o, value))) as T;
  }

  /**
   * Exclusive prefix reduction: rank r gets op(v0, ..., v(r−1)); rank 0 gets `null`.
   *
   * @param value This rank's contribution.
   * @param op The reduction (default `SUM`).
   * @returns The reduction of the values of the ranks before this one; `null` on rank 0.
   * @throws {SpmdError} `MPI_ERR_OP` (on every rank) if `op` does not apply to the values, or the ranks' values disagree (arrays of other lengths or types).
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * // Each rank's offset in a global array of the ranks' lengths.
   * const offset = comm.exscan(comm.rank + 1) ?? 0;
   * equal(offset, (comm.rank * (comm.rank + 1)) / 2);
   * ```
   */
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
   *
   * @param array This rank's block: a typed array of `counts[rank]` elements.
   * @param counts The number of elements of every rank's block.
   * @param root The rank that gets the result (default 0).
   * @param displs Where each rank's block goes in the result (default: packed in rank order).
   * @returns On `root`, a new array of `array`'s type holding every block; `null` elsewhere.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_ARG` for bad or overlapping `displs`; `MPI_ERR_BUFFER` if `array` is not a typed array or the types differ; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1); // rank r sends r + 1 elements
   * const got = comm.gatherv(new Int32Array(comm.rank + 1).fill(comm.rank), counts, 0);
   * const packed = Int32Array.from(counts.flatMap((n, r) => Array(n).fill(r))); // [0, 1, 1, 2, 2, 2, ...]
   * deepEqual(got, comm.rank === 0 ? packed : null);
   * ```
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
   *
   * @param array On `root`, the typed array to cut into blocks; ignored elsewhere (pass `null`).
   * @param counts The number of elements of every rank's block.
   * @param root The rank that sends (default 0).
   * @param displs Where each rank's block starts in `array` (default: packed in rank order).
   * @returns This rank's block: a new array of `counts[rank]` elements of the root's type.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_ARG` for bad `displs`; `MPI_ERR_BUFFER` if the root's `array` is not a typed array; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1);
   * const all = comm.rank === 0 ? Float64Array.from(counts.flatMap((n, r) => Array(n).fill(r))) : null;
   * deepEqual(comm.scatterv(all, counts, 0), new Float64Array(comm.rank + 1).fill(comm.rank));
   * ```
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

  /**
   * Every rank passes `counts[rank]` elements; every rank gets them all, packed or at `displs` (as gatherv).
   *
   * @param array This rank's block: a typed array of `counts[rank]` elements.
   * @param counts The number of elements of every rank's block.
   * @param displs Where each rank's block goes in the result (default: packed in rank order).
   * @returns A new array of `array`'s type holding every rank's block, on every rank.
   * @throws {SpmdError} `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_ARG` for bad `displs`; `MPI_ERR_BUFFER` if `array` is not a typed array or the types differ; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1);
   * const got = comm.allgatherv(new Int32Array(comm.rank + 1).fill(comm.rank), counts);
   * deepEqual(got, Int32Array.from(counts.flatMap((n, r) => Array(n).fill(r))));
   * ```
   */
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
   * @param array The typed array holding the blocks for every rank.
   * @param sendCounts The number of elements for each rank.
   * @param sendDispls Where each rank's block starts in `array` (default: packed).
   * @param recvCounts The number of elements from each rank (default: learned from the senders).
   * @param recvDispls Where each rank's block goes in the result (default: packed).
   * @returns A new array of `array`'s type with the blocks every rank sent here.
   * @throws {SpmdError} `MPI_ERR_COUNT` if counts are wrong or do not match the senders'; `MPI_ERR_ARG` for bad displacements; `MPI_ERR_BUFFER` if `array` is not a typed array or the types differ; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * // Rank r sends j + 1 copies of r to rank j: rank j gets j + 1 elements from each rank.
   * const counts = Array.from({ length: comm.size }, (_, j) => j + 1);
   * const send = new Int32Array(counts.reduce((a, b) => a + b, 0)).fill(comm.rank);
   * const got = comm.alltoallv(send, counts);
   * deepEqual(got, Int32Array.from({ length: comm.size * (comm.rank + 1) }, (_, k) => Math.floor(k / (comm.rank + 1))));
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
   *
   * @param array This rank's array of sum(counts) numbers.
   * @param counts The length of each rank's block of the result.
   * @param op The reduction (default `SUM`).
   * @returns Block `rank` of the element-wise reduction: `counts[rank]` elements.
   * @throws {SpmdError} `MPI_ERR_COUNT` if the counts are wrong or differ between ranks; `MPI_ERR_OP` if `op` does not apply or the arrays disagree; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const counts = Array.from({ length: comm.size }, (_, r) => r + 1);
   * const ones = new Int32Array(counts.reduce((a, b) => a + b, 0)).fill(1);
   * deepEqual(comm.reduceScatter(ones, counts), new Int32Array(comm.rank + 1).fill(comm.size));
   * ```
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
   *
   * @param array This rank's array; its length is a multiple of `size`.
   * @param op The reduction (default `SUM`).
   * @returns Block `rank` of the element-wise reduction: length / size elements.
   * @throws {SpmdError} `MPI_ERR_COUNT` if the length is not a multiple of `size`; `MPI_ERR_OP` if `op` does not apply or the arrays disagree; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const got = comm.reduceScatterBlock(new Float64Array(2 * comm.size).fill(comm.rank));
   * deepEqual(got, new Float64Array(2).fill((comm.size * (comm.size - 1)) / 2));
   * ```
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
   *
   * @param color A non-negative integer naming this rank's new communicator, or `UNDEFINED`.
   * @param key Orders the ranks of the new communicator (default: this rank).
   * @returns The new communicator of the ranks of this rank's color; `null` for `UNDEFINED`.
   * @throws {SpmdError} `MPI_ERR_ARG` if `color` or `key` is not an integer; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const half = comm.split(comm.rank % 2)!; // even and odd ranks
   * equal(half.rank, Math.floor(comm.rank / 2));
   * equal(half.allreduce(1), half.size);
   * half.free();
   * ```
   */
  split(color: number, key: number = this.rank): Comm | null {
    checkSplit(color, key, UNDEFINED);
    return splitComm(this, (init) => new Comm(init), color, key);
  }

  /**
   * A communicator with the same ranks and a separate message context (MPI_Comm_dup).
   *
   * @returns The new communicator (collective: every rank must call it).
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { CONGRUENT, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const lib = comm.dup(); // a library's messages never meet the caller's
   * equal(lib.compare(comm), CONGRUENT);
   * lib.free();
   * ```
   */
  dup(): Comm {
    return dupComm(this, (init) => new Comm(init));
  }

  #name = "";

  /**
   * The communicator's name ("MPI_COMM_WORLD", "MPI_COMM_SELF", or what `setName` set; "" for others).
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * equal(world().name, "MPI_COMM_WORLD");
   * ```
   */
  get name(): string {
    return this.#name;
  }

  /**
   * Names the communicator on this rank (MPI_Comm_set_name; local).
   *
   * @param name The name, shown by `name` and in spmd's error reports.
   * @throws {SpmdError} `MPI_ERR_ARG` if `name` is not a string.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const d = comm.dup();
   * d.setName("halo");
   * equal(d.name, "halo");
   * d.free();
   * ```
   */
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
   *
   * @param array Nothing, to free the communicator; or an array from `alloc`, to free it.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator is the world or `self()`, or already freed; `MPI_ERR_BUFFER` if `array` did not come from `alloc` or was freed already.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { throws } from "node:assert/strict";
   *
   * const comm = world();
   * const d = comm.dup();
   * d.free();
   * throws(() => d.barrier(), { code: "MPI_ERR_COMM" });
   * ```
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
   *
   * @param other The communicator to compare with.
   * @returns `IDENT`, `CONGRUENT`, `SIMILAR` or `UNEQUAL`.
   * @throws {SpmdError} `MPI_ERR_COMM` if `other` is not a communicator.
   *
   * @example
   * ```ts
   * import { CONGRUENT, IDENT, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.compare(comm), IDENT);
   * const d = comm.dup();
   * equal(comm.compare(d), CONGRUENT);
   * d.free();
   * ```
   */
  compare(other: Comm): number {
    if (!(other instanceof Comm)) {
      throw new SpmdError(`compare: other must be a communicator, got ${describe(other)}`, "MPI_ERR_COMM");
    }
    return compareComms(this, other);
  }

  /**
   * The communicator's processes as a {@linkcode Group} (MPI_Comm_group; local).
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.group.size, comm.size);
   * equal(comm.group.rank, comm.rank);
   * ```
   */
  get group(): Group {
    return new Group(Array.from({ length: this.size }, (_, r) => this.worldRank(r)), this.transport.rank);
  }

  /**
   * A communicator of `group`'s processes in group order; null off the group. Every rank passes the same group.
   *
   * @param group A group of this communicator's processes (from `comm.group`).
   * @returns The new communicator on the group's ranks; `null` on the others.
   * @throws {SpmdError} `MPI_ERR_OTHER` if `group` is not a Group; `MPI_ERR_GROUP` if its processes are not all in this communicator; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const first = comm.create(comm.group.incl([0])); // rank 0 alone
   * equal(first === null, comm.rank !== 0);
   * first?.free();
   * ```
   */
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
   *
   * @param dims The number of ranks along each dimension; their product is at most `size`.
   * @param periods Whether each dimension wraps around, or one boolean for all (default none).
   * @param reorder Accepted for MPI's sake; the order is kept.
   * @returns The grid communicator; `null` on ranks beyond the grid.
   * @throws {SpmdError} `MPI_ERR_DIMS` if `dims` are not positive integers or need more ranks than there are; `MPI_ERR_ARG` for bad `periods` or `reorder`; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const ring = comm.createCart([comm.size], true)!;
   * const [left, right] = ring.shift(0);
   * equal(right, (comm.rank + 1) % comm.size);
   * equal(left, (comm.rank - 1 + comm.size) % comm.size);
   * ring.free();
   * ```
   */
  createCart(dims: readonly number[], periods?: readonly boolean[] | boolean, reorder = false): CartView | null {
    return topo.createCart(this, dims, periods, reorder) as CartView | null;
  }

  /**
   * Splits the communicator into the groups of ranks that share memory
   * (MPI_Comm_split_type with `COMM_TYPE_SHARED`), ordered by `key`; `UNDEFINED`
   * gets `null`. On shared memory that is every rank (a new communicator of
   * the same ranks); on the MPI backend ranks are grouped by host name.
   *
   * @param type `COMM_TYPE_SHARED`, or `UNDEFINED` to take no part.
   * @param key Orders the ranks of the new communicator (default: this rank).
   * @returns The communicator of the ranks that share memory with this one; `null` for `UNDEFINED`.
   * @throws {SpmdError} `MPI_ERR_ARG` for another `type` or a key that is not an integer; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { COMM_TYPE_SHARED, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const node = comm.splitType(COMM_TYPE_SHARED)!;
   * equal(node.size, comm.size); // one machine: every rank shares memory
   * node.free();
   * ```
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
   *
   * @param sources The ranks this rank receives from.
   * @param destinations The ranks this rank sends to.
   * @returns The graph communicator (of the same ranks).
   * @throws {SpmdError} `MPI_ERR_RANK` if a listed rank is not a rank; `MPI_ERR_ARG` (on every rank) if the lists are not arrays or do not agree between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const next = (comm.rank + 1) % comm.size;
   * const graph = comm.createDistGraphAdjacent([prev], [next]); // a ring
   * deepEqual(graph.neighborAllgather(comm.rank), [prev]);
   * graph.free();
   * ```
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
   *
   * @param Type The element type: a typed-array constructor such as `Float64Array`.
   * @param localLength The number of elements of this rank's part (may be 0; may differ between ranks).
   * @returns The window: `local` is this rank's part, `all` the whole window.
   * @throws {SpmdError} `MPI_ERR_TYPE` if `Type` is not a numeric typed-array type or differs between ranks; `MPI_ERR_ARG` for a bad length (on every rank); `MPI_ERR_NO_MEM` if the memory cannot be had; `MPI_ERR_UNSUPPORTED_OPERATION` on a backend or communicator without shared memory; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const win = comm.allocateShared(Int32Array, 1);
   * win.local[0] = comm.rank + 1;
   * win.fence(); // every rank's write is now seen by every rank
   * equal(win.all.reduce((a, b) => a + b, 0), (comm.size * (comm.size + 1)) / 2);
   * win.free();
   * ```
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
   *
   * @param code The job's exit code, 0..255 (default 1).
   * @param message What the launcher reports.
   * @returns Never: the job stops.
   * @throws {SpmdError} `MPI_ERR_ARG` if `code` is not an integer in 0..255.
   *
   * @example
   * ```ts ignore
   * // Not run by the doc tests: it stops the whole job.
   * import { world } from "@spmd/spmd";
   *
   * const comm = world();
   * const input = comm.rank === 0 ? Deno.args[0] : undefined;
   * if (comm.rank === 0 && input === undefined) comm.abort(2, "usage: app.ts <input>");
   * ```
   */
  abort(code = 1, message = `comm.abort(${code}) called`): never {
    checkAbortCode(code);
    return this.transport.abort(code, String(message));
  }
}

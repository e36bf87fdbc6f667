/**
 * {@linkcode Collectives}: a communicator's collectives on values (mpi4py's
 * lowercase `bcast`, `reduce`, ...), which `Comm` extends; the algorithms
 * are in `collectives/<operation>/`.
 *
 * @module
 */

import { nameCall } from "./errors.ts";
import { BufferCollectives } from "./_comm_into.ts";
import { type CallName, collectiveContext } from "./transport/calls.ts";
import { checkNotDetached, checkPerRank, checkRoot } from "./_validate.ts";
import type { Coll } from "./collectives/_coll.ts";
import { barrier, barrierQuick } from "./collectives/barrier/select.ts";
import { bcast } from "./collectives/bcast/select.ts";
import { reduce } from "./collectives/reduce/select.ts";
import { allreduce } from "./collectives/allreduce/select.ts";
import { gather } from "./collectives/gather/select.ts";
import { scatter } from "./collectives/scatter/select.ts";
import { allgather } from "./collectives/allgather/select.ts";
import { alltoall } from "./collectives/alltoall/select.ts";
import { scan } from "./collectives/scan/select.ts";
import { misfit, type OpArg, SUM, toOp } from "./ops.ts";

/** @ignore Runs collective `call` of `c` (rooted at `root`, or −1): records it in the activity block and names its errors. */
export function runCollective<R>(c: BufferCollectives, call: CallName, root: number, body: (c: Coll) => R): R {
  const coll = c.collFor(call);
  const t = c.transport;
  t.enter(coll.code, root, -1, collectiveContext(c.context));
  try {
    return body(coll);
  } catch (e) {
    throw nameCall(call, e);
  } finally {
    t.leave();
  }
}

/**
 * The collectives on values of a communicator; every `Comm` is one. Every
 * rank calls each collective, in the same order.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(comm.allreduce(1), comm.size);
 * ```
 */
export class Collectives extends BufferCollectives {
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
    const c = this.collFor("barrier");
    try {
      if (barrierQuick(c)) return; // the common case, recorded in the activity block only if it waits
    } catch (e) {
      throw nameCall("barrier", e);
    }
    runCollective(this, "barrier", -1, barrier);
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
    return runCollective(this, "bcast", root, (c) => bcast(c, value, root)) as T;
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
    return runCollective(this, "reduce", root, (c) => reduce(c, value, o, root, misfit(o, value))) as T | null;
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
    return runCollective(this, "allreduce", -1, (c) => allreduce(c, value, o, misfit(o, value))) as T;
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
    return runCollective(this, "gather", root, (c) => gather(c, value, root)) as T[] | null;
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
    return runCollective(this, "scatter", root, (c) => scatter(c, mine, root)) as T;
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
    return runCollective(this, "allgather", -1, (c) => allgather(c, value)) as T[];
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
    return runCollective(this, "alltoall", -1, (c) => alltoall(c, all)) as T[];
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
    return runCollective(this, "scan", -1, (c) => scan(c, value, o, false, misfit(o, value))) as T;
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
    return runCollective(this, "exscan", -1, (c) => scan(c, value, o, true, misfit(o, value))) as T | null;
  }
}

/**
 * {@linkcode NonBlocking}: a communicator's nonblocking collectives
 * (mpi4py's `Ibarrier`, `ibcast`, ...), which `Comm` extends. Each returns a
 * `Request` whose `wait()` (or `await`) gives what the blocking call
 * returns; the collective moves on whenever the request is tested or waited
 * for. Every rank must start the same nonblocking collectives in the same
 * order. The algorithms are in `_nbc.ts`.
 *
 * @module
 */

import { Probes } from "./_comm_probe.ts";
import type { PointToPoint } from "./_comm_p2p.ts";
import { Request } from "./request.ts";
import { checkPerRank, checkRoot } from "./_validate.ts";
import { type OpArg, SUM, toOp } from "./ops.ts";
import { collectiveContext } from "./transport/calls.ts";
import {
  barrierSteps,
  bcastSteps,
  type CollOp,
  exchangeSteps,
  gatherSteps,
  type NbcName,
  scatterSteps,
  startCollective,
  type Steps,
} from "./_nbc.ts";
import { allreduceSteps, reduceSteps, scanSteps } from "./_nbc_reduce.ts";
import type { PendingOp } from "./transport/transport.ts";

/**
 * The nonblocking collectives of a communicator (mpi4py's `Ibarrier`,
 * `Iallreduce`, ...); every `Comm` is one. Each call starts the collective
 * and returns a {@linkcode Request}; `wait()` (or `await`) gives what the
 * blocking call returns. Every rank must start the same nonblocking
 * collectives in the same order; ranks that do not fail with an SpmdError
 * (`MPI_ERR_OTHER`) naming both calls instead of waiting for each other.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const r = comm.iallreduce(comm.rank + 1);
 * // ... work that does not need the sum ...
 * equal(r.wait(), (comm.size * (comm.size + 1)) / 2);
 * ```
 */
export class NonBlocking extends Probes {
  #start<T>(call: NbcName, root: number, steps: (s: Steps) => Generator<PendingOp[], unknown, void>): Request<T> {
    this.checkLive(call);
    return nbcRequest<T>(this, call, root, startCollective(this, call, root, 0, -1, steps));
  }

  /**
   * Starts a barrier (MPI_Ibarrier): the request completes once every rank
   * has started it.
   *
   * @returns A request whose `wait()` gives `undefined`.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.ibarrier();
   * equal(r.wait(), undefined);
   * equal(r.done, true);
   * ```
   */
  ibarrier(): Request<undefined> {
    return this.#start("ibarrier", -1, (s) => barrierSteps(s));
  }

  /**
   * Starts a broadcast of the root's `value` (MPI_Ibcast); `wait()` gives
   * it on every rank.
   *
   * @param value On `root`, the value to send (any structured-cloneable value); ignored elsewhere.
   * @param root The rank that sends (default 0).
   * @returns A request whose `wait()` gives the root's value (on the root, `value` itself).
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` if the ranks started different collectives here (or another root).
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.ibcast(comm.rank === 0 ? { steps: 42 } : null, 0);
   * deepEqual(r.wait(), { steps: 42 });
   * ```
   */
  ibcast<T = unknown>(value: T, root = 0): Request<T> {
    checkRoot("ibcast", root, this.size);
    return this.#start("ibcast", root, (s) => bcastSteps(s, value, root));
  }

  /**
   * Starts a reduction of every rank's value with `op` onto `root`
   * (MPI_Ireduce); operands are combined in rank order.
   *
   * @param value This rank's contribution: a number, bigint, typed array or anything `op` combines.
   * @param op The reduction: `SUM` (default), `MAX`, ..., or a function `(a, b) => c`.
   * @param root The rank that gets the result (default 0).
   * @returns A request whose `wait()` gives the reduction on `root`, `null` on the other ranks.
   * @throws {SpmdError} `MPI_ERR_OP` if `op` is not an op; `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COMM` if the communicator was freed; from `wait()` on the root, `MPI_ERR_OP` if `op` cannot combine the values, and on any rank `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { SUM, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.ireduce(comm.rank + 1, SUM, 0);
   * equal(r.wait(), comm.rank === 0 ? (comm.size * (comm.size + 1)) / 2 : null);
   * ```
   */
  ireduce<T = unknown>(value: T, op: OpArg<T> = SUM, root = 0): Request<T | null> {
    const o = toOp("ireduce", op);
    checkRoot("ireduce", root, this.size);
    return this.#start("ireduce", root, (s) => reduceSteps(s, value, o, root, "ireduce"));
  }

  /**
   * Starts a reduction of every rank's value with `op` whose result every
   * rank gets (MPI_Iallreduce); operands are combined in rank order.
   *
   * @param value This rank's contribution: a number, bigint, typed array or anything `op` combines.
   * @param op The reduction: `SUM` (default), `MAX`, ..., or a function `(a, b) => c`.
   * @returns A request whose `wait()` gives the reduction on every rank.
   * @throws {SpmdError} `MPI_ERR_OP` if `op` is not an op; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OP` if `op` cannot combine the values, `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { MAX, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const top = comm.iallreduce(comm.rank, MAX);
   * equal(await top, comm.size - 1); // a Request is awaitable
   * ```
   */
  iallreduce<T = unknown>(value: T, op: OpArg<T> = SUM): Request<T> {
    const o = toOp("iallreduce", op);
    return this.#start("iallreduce", -1, (s) => allreduceSteps(s, value, o, "iallreduce"));
  }

  /**
   * Starts a gather of every rank's value onto `root` (MPI_Igather).
   *
   * @param value This rank's value (any structured-cloneable value).
   * @param root The rank that gets the list (default 0).
   * @returns A request whose `wait()` gives, on `root`, `[value of rank 0, value of rank 1, ...]`; `null` on the other ranks.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` if the ranks started different collectives here (or another root).
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const r = comm.igather(`rank ${comm.rank}`, 0);
   * deepEqual(r.wait(), comm.rank === 0 ? Array.from({ length: comm.size }, (_, i) => `rank ${i}`) : null);
   * ```
   */
  igather<T = unknown>(value: T, root = 0): Request<T[] | null> {
    checkRoot("igather", root, this.size);
    return this.#start("igather", root, (s) => gatherSteps(s, value, root));
  }

  /**
   * Starts a scatter of the root's `values`, one per rank (MPI_Iscatter).
   *
   * @param values On `root`, an array of `size` values; ignored elsewhere (pass `null`).
   * @param root The rank that sends (default 0).
   * @returns A request whose `wait()` gives `values[rank]` of the root.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_COUNT` if the root's `values` is not an array of `size` values; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` if the ranks started different collectives here (or another root).
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const squares = comm.rank === 0 ? Array.from({ length: comm.size }, (_, i) => i * i) : null;
   * equal(comm.iscatter(squares, 0).wait(), comm.rank * comm.rank);
   * ```
   */
  iscatter<T = unknown>(values: readonly T[] | null, root = 0): Request<T> {
    checkRoot("iscatter", root, this.size);
    const v = this.rank === root ? checkPerRank<T>("iscatter", values, this.size) : null;
    return this.#start("iscatter", root, (s) => scatterSteps(s, v, root));
  }

  /**
   * Starts an allgather (MPI_Iallgather): every rank gets every rank's
   * value, in rank order.
   *
   * @param value This rank's value (any structured-cloneable value).
   * @returns A request whose `wait()` gives `[value of rank 0, value of rank 1, ...]` on every rank.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * deepEqual(await comm.iallgather(comm.rank), Array.from({ length: comm.size }, (_, i) => i));
   * ```
   */
  iallgather<T = unknown>(value: T): Request<T[]> {
    return this.#start("iallgather", -1, (s) => exchangeSteps(s, () => value));
  }

  /**
   * Starts an all-to-all (MPI_Ialltoall): `values[j]` goes to rank j, and
   * each rank gets what every rank sent it, in rank order.
   *
   * @param values One value per rank: `values[j]` is sent to rank j.
   * @returns A request whose `wait()` gives `[what rank 0 sent this rank, what rank 1 sent, ...]`.
   * @throws {SpmdError} `MPI_ERR_COUNT` if `values` is not an array of `size` values; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const out = Array.from({ length: comm.size }, (_, j) => `${comm.rank}->${j}`);
   * const got = comm.ialltoall(out).wait();
   * deepEqual(got, Array.from({ length: comm.size }, (_, i) => `${i}->${comm.rank}`));
   * ```
   */
  ialltoall<T = unknown>(values: readonly T[]): Request<T[]> {
    const v = checkPerRank<T>("ialltoall", values, this.size);
    return this.#start("ialltoall", -1, (s) => exchangeSteps(s, (r) => v[r]));
  }

  /**
   * A nonblocking dup (MPI_Comm_idup), as mpi4py's `Idup`: a request whose
   * `wait()` gives the new communicator. Honest note: the dup is done at
   * once, inside this call (it is collective: it returns once every rank has
   * called `idup` or `dup`), and the request is already complete; so unlike
   * MPI's, a rank must not make the others' `idup` wait for a message it
   * sends only after its own `idup`.
   *
   * @returns A completed request whose `wait()` gives the new communicator.
   * @throws {SpmdError} `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits for the others.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal, notEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const twin = comm.idup().wait();
   * equal(twin.size, comm.size);
   * notEqual(twin, comm);
   * twin.free();
   * ```
   */
  idup<C>(this: NonBlocking & { dup(): C }): Request<C> {
    this.checkLive("idup");
    return new Request<C>(null, null, null, this.dup(), null);
  }

  /**
   * Starts an inclusive prefix reduction (MPI_Iscan), as `scan`: rank r
   * gets op(v0, ..., vr), combined in rank order.
   *
   * @param value This rank's contribution: a number, bigint, typed array or anything `op` combines.
   * @param op The reduction: `SUM` (default), `MAX`, ..., or a function `(a, b) => c`.
   * @returns A request whose `wait()` gives the reduction of ranks 0..rank's values.
   * @throws {SpmdError} `MPI_ERR_OP` if `op` is not an op; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OP` if `op` cannot combine the values, `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.iscan(1).wait(), comm.rank + 1);
   * ```
   */
  iscan<T = unknown>(value: T, op: OpArg<T> = SUM): Request<T> {
    const o = toOp("iscan", op);
    return this.#start("iscan", -1, (s) => scanSteps(s, value, o, false));
  }

  /**
   * Starts an exclusive prefix reduction (MPI_Iexscan), as `exscan`: rank r
   * gets op(v0, ..., v(r−1)), rank 0 `null`.
   *
   * @param value This rank's contribution: a number, bigint, typed array or anything `op` combines.
   * @param op The reduction: `SUM` (default), `MAX`, ..., or a function `(a, b) => c`.
   * @returns A request whose `wait()` gives the reduction of ranks 0..rank−1's values; `null` on rank 0.
   * @throws {SpmdError} `MPI_ERR_OP` if `op` is not an op; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OP` if `op` cannot combine the values, `MPI_ERR_OTHER` if the ranks started different collectives here.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * equal(comm.iexscan(10).wait(), comm.rank === 0 ? null : 10 * comm.rank);
   * ```
   */
  iexscan<T = unknown>(value: T, op: OpArg<T> = SUM): Request<T | null> {
    const o = toOp("iexscan", op);
    return this.#start("iexscan", -1, (s) => scanSteps(s, value, o, true));
  }
}

/** @ignore The request of nonblocking collective `op`, started by `call` on `c` (rooted at `root`, or −1). */
export function nbcRequest<T>(c: PointToPoint, call: NbcName, root: number, op: CollOp): Request<T> {
  return new Request<T>(c.transport, op, c, undefined as T, {
    call,
    send: true,
    peer: root,
    tag: -1,
    context: collectiveContext(c.context),
    into: null,
  });
}

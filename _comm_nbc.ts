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

import { PointToPoint } from "./_comm_p2p.ts";
import { Request } from "./request.ts";
import { checkPerRank, checkRoot } from "./_validate.ts";
import { type Op, type OpArg, SUM, toOp } from "./ops.ts";
import { collectiveContext } from "./transport/calls.ts";
import {
  allreduceSteps,
  barrierSteps,
  bcastSteps,
  type CollOp,
  exchangeSteps,
  gatherSteps,
  type NbcName,
  reduceSteps,
  scanSteps,
  scatterSteps,
  startCollective,
  type Steps,
} from "./_nbc.ts";
import * as into from "./_nbc_into.ts";
import type { InPlace } from "./constants.ts";
import type { NumericArray } from "./transport/typed.ts";
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
export class NonBlocking extends PointToPoint {
  #start<T>(call: NbcName, root: number, steps: (s: Steps) => Generator<PendingOp[], unknown, void>): Request<T> {
    this.checkLive(call);
    return this.#request<T>(call, root, startCollective(this, call, root, 0, -1, steps));
  }

  #request<T>(call: NbcName, root: number, op: CollOp): Request<T> {
    return new Request<T>(this.transport, op, this, undefined as T, {
      call,
      send: true,
      peer: root,
      tag: -1,
      context: collectiveContext(this.context),
      into: null,
    });
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

  // ---- nonblocking buffer collectives (mpi4py's Iallreduce(sendbuf, recvbuf), ...; logic in _nbc_into.ts) ----
  // The arguments of the blocking forms (allreduceInto, ...), checked alike; an argument error throws at once on
  // the rank that passed it (the others' requests then wait for it, as in MPI). `send` and `recv` belong to the
  // collective until the request completes: do not touch them before. `wait()` gives undefined.

  /**
   * Starts `allreduceInto` (MPI_Iallreduce with buffers): every rank's
   * `send` (`recv` itself for IN_PLACE) reduced with `op` into `recv`, the
   * same bits on every rank, once the request completes. `send` and `recv`
   * belong to the collective until then: do not touch them before.
   *
   * @param send This rank's input, or `IN_PLACE` to take it from `recv`.
   * @param recv Where the result goes: the same type and length as `send`.
   * @param op The reduction (default `SUM`; no user op on bigint arrays).
   * @returns A request whose `wait()` gives `undefined` once `recv` holds the result.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const sum = new Float64Array(2);
   * const r = comm.iallreduceInto(new Float64Array([1, comm.rank]), sum);
   * // ... work that does not touch sum ...
   * r.wait();
   * deepEqual(sum, new Float64Array([comm.size, (comm.size * (comm.size - 1)) / 2]));
   * ```
   */
  iallreduceInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): Request<undefined> {
    this.checkLive("iallreduceInto");
    return this.#request("iallreduceInto", -1, into.iallreduceInto(this, send, recv, op));
  }

  /**
   * Starts `reduceInto` (MPI_Ireduce with buffers): every rank's `send`
   * reduced with `op`, in rank order, into `recv` on `root` (IN_PLACE there
   * only) once the request completes.
   *
   * @param send This rank's input; on `root`, `IN_PLACE` takes it from `recv`.
   * @param recv On `root`, where the result goes (the same type and length as `send`); ignored elsewhere (pass `null`).
   * @param op The reduction (default `SUM`; no user op on bigint arrays).
   * @param root The rank that gets the result (default 0).
   * @returns A request whose `wait()` gives `undefined` once the root's `recv` holds the result.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached), or IN_PLACE off the root; `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { SUM, world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = comm.rank === 0 ? new Int32Array(2) : null;
   * await comm.ireduceInto(new Int32Array([1, comm.rank]), recv, SUM, 0);
   * if (comm.rank === 0) deepEqual(recv, new Int32Array([comm.size, (comm.size * (comm.size - 1)) / 2]));
   * ```
   */
  ireduceInto(send: NumericArray | InPlace, recv: NumericArray | null, op: Op = SUM, root = 0): Request<undefined> {
    this.checkLive("ireduceInto");
    return this.#request("ireduceInto", root, into.ireduceInto(this, send, recv, op, root));
  }

  /**
   * Starts `bcastInto` (MPI_Ibcast with a buffer): the root's `buf` copied
   * into every rank's `buf` once the request completes.
   *
   * @param buf On `root`, the data; elsewhere, where it goes (the same type and length on every rank).
   * @param root The rank that sends (default 0).
   * @returns A request whose `wait()` gives `undefined` once `buf` holds the root's data.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if `buf` is not a numeric typed array (or is detached); `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const buf = new Int32Array(comm.rank === 0 ? [7, 8] : [0, 0]);
   * await comm.ibcastInto(buf, 0);
   * deepEqual(buf, new Int32Array([7, 8]));
   * ```
   */
  ibcastInto(buf: NumericArray, root = 0): Request<undefined> {
    this.checkLive("ibcastInto");
    return this.#request("ibcastInto", root, into.ibcastInto(this, buf, root));
  }

  /**
   * Starts `allgatherInto` (MPI_Iallgather with buffers): every rank's
   * `send` into block r (r its rank) of every rank's `recv` once the request
   * completes.
   *
   * @param send This rank's block, or `IN_PLACE` when it is already block `rank` of `recv`.
   * @param recv Where the blocks go: `size` blocks of `send`'s length, of its type.
   * @returns A request whose `wait()` gives `undefined` once `recv` holds every block.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const ranks = new Float64Array(comm.size);
   * await comm.iallgatherInto(new Float64Array([comm.rank]), ranks);
   * deepEqual(ranks, Float64Array.from({ length: comm.size }, (_, i) => i));
   * ```
   */
  iallgatherInto(send: NumericArray | InPlace, recv: NumericArray): Request<undefined> {
    this.checkLive("iallgatherInto");
    return this.#request("iallgatherInto", -1, into.iallgatherInto(this, send, recv));
  }

  /**
   * Starts `gatherInto` (MPI_Igather with buffers): every rank's `send`
   * into block r (r its rank) of `recv` on `root` once the request completes.
   *
   * @param send This rank's block; on `root`, `IN_PLACE` when it is already block `root` of `recv`.
   * @param recv On `root`, where the blocks go (`size` blocks of `send`'s length, of its type); ignored elsewhere (pass `null`).
   * @param root The rank that gets the blocks (default 0).
   * @returns A request whose `wait()` gives `undefined` once the root's `recv` holds every block.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached), or IN_PLACE off the root; `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = comm.rank === 0 ? new Int32Array(2 * comm.size) : null;
   * await comm.igatherInto(new Int32Array([comm.rank, -comm.rank]), recv, 0);
   * if (comm.rank === 0) deepEqual(recv, Int32Array.from({ length: 2 * comm.size }, (_, i) => (i % 2 ? -1 : 1) * (i >> 1)));
   * ```
   */
  igatherInto(send: NumericArray | InPlace, recv: NumericArray | null, root = 0): Request<undefined> {
    this.checkLive("igatherInto");
    return this.#request("igatherInto", root, into.igatherInto(this, send, recv, root));
  }

  /**
   * Starts `scatterInto` (MPI_Iscatter with buffers): block r of the root's
   * `send` into rank r's `recv` once the request completes.
   *
   * @param send On `root`, `size` blocks of `recv`'s length, of its type; ignored elsewhere (pass `null`).
   * @param recv Where this rank's block goes; on `root`, `IN_PLACE` leaves its block in `send`.
   * @param root The rank that sends (default 0).
   * @returns A request whose `wait()` gives `undefined` once `recv` holds this rank's block.
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached), or IN_PLACE off the root; `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const send = comm.rank === 0 ? Int32Array.from({ length: 2 * comm.size }, (_, i) => i) : null;
   * const mine = new Int32Array(2);
   * await comm.iscatterInto(send, mine, 0);
   * deepEqual(mine, new Int32Array([2 * comm.rank, 2 * comm.rank + 1]));
   * ```
   */
  iscatterInto(send: NumericArray | null, recv: NumericArray | InPlace, root = 0): Request<undefined> {
    this.checkLive("iscatterInto");
    return this.#request("iscatterInto", root, into.iscatterInto(this, send, recv, root));
  }

  /**
   * Starts `alltoallInto` (MPI_Ialltoall with buffers): block j of every
   * rank's `send` into block r (r the sender) of rank j's `recv` once the
   * request completes.
   *
   * @param send `size` blocks, block j for rank j; or `IN_PLACE` to send from `recv` (which the blocks received then replace).
   * @param recv Where the blocks go: `size` blocks, of `send`'s type and length.
   * @returns A request whose `wait()` gives `undefined` once `recv` holds every block.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const send = Int32Array.from({ length: comm.size }, (_, j) => 100 * comm.rank + j);
   * const recv = new Int32Array(comm.size);
   * await comm.ialltoallInto(send, recv);
   * deepEqual(recv, Int32Array.from({ length: comm.size }, (_, i) => 100 * i + comm.rank));
   * ```
   */
  ialltoallInto(send: NumericArray | InPlace, recv: NumericArray): Request<undefined> {
    this.checkLive("ialltoallInto");
    return this.#request("ialltoallInto", -1, into.ialltoallInto(this, send, recv));
  }

  /**
   * Starts `scanInto` (MPI_Iscan with buffers): rank r's `recv` gets
   * op(send0, ..., send_r), combined in rank order, once the request
   * completes.
   *
   * @param send This rank's input, or `IN_PLACE` to take it from `recv`.
   * @param recv Where the result goes: the same type and length as `send`.
   * @param op The reduction (default `SUM`; no user op on bigint arrays).
   * @returns A request whose `wait()` gives `undefined` once `recv` holds the result.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const upTo = new Float64Array(1);
   * await comm.iscanInto(new Float64Array([1]), upTo);
   * deepEqual(upTo, new Float64Array([comm.rank + 1]));
   * ```
   */
  iscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): Request<undefined> {
    this.checkLive("iscanInto");
    return this.#request("iscanInto", -1, into.iscanInto(this, send, recv, op, "iscanInto"));
  }

  /**
   * Starts `exscanInto` (MPI_Iexscan with buffers): rank r's `recv` gets
   * op(send0, ..., send_r−1), combined in rank order, once the request
   * completes; rank 0's `recv` is left untouched.
   *
   * @param send This rank's input, or `IN_PLACE` to take it from `recv`.
   * @param recv Where the result goes: the same type and length as `send`.
   * @param op The reduction (default `SUM`; no user op on bigint arrays).
   * @returns A request whose `wait()` gives `undefined` once `recv` holds the result.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if `send` and `recv` do not fit; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed; from `wait()`, `MPI_ERR_OTHER` (or `MPI_ERR_TRUNCATE`) if the ranks started different collectives here or their arrays' types or lengths differ.
   * @throws {AbortedError} `MPI_ERR_ABORTED` (from `wait()`) if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const before = new Int32Array([-1]);
   * await comm.iexscanInto(new Int32Array([1]), before);
   * deepEqual(before, new Int32Array([comm.rank === 0 ? -1 : comm.rank])); // rank 0's: untouched
   * ```
   */
  iexscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): Request<undefined> {
    this.checkLive("iexscanInto");
    return this.#request("iexscanInto", -1, into.iscanInto(this, send, recv, op, "iexscanInto"));
  }
}

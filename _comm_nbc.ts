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
 * The nonblocking collectives of a communicator; every `Comm` is one.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * const comm = world();
 * const r = comm.iallreduce(comm.rank + 1);
 * // ... work that does not need the sum ...
 * console.log(r.wait() === (comm.size * (comm.size + 1)) / 2); // true
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

  /** Starts a barrier; the request completes once every rank has started it. */
  ibarrier(): Request<undefined> {
    return this.#start("ibarrier", -1, (s) => barrierSteps(s));
  }

  /** Starts a broadcast of the root's `value`; `wait()` gives it on every rank. */
  ibcast<T = unknown>(value: T, root = 0): Request<T> {
    checkRoot("ibcast", root, this.size);
    return this.#start("ibcast", root, (s) => bcastSteps(s, value, root));
  }

  /** Starts a reduction onto `root`; `wait()` gives the result there, null elsewhere. */
  ireduce<T = unknown>(value: T, op: OpArg<T> = SUM, root = 0): Request<T | null> {
    const o = toOp("ireduce", op);
    checkRoot("ireduce", root, this.size);
    return this.#start("ireduce", root, (s) => reduceSteps(s, value, o, root, "ireduce"));
  }

  /** Starts an allreduce; `wait()` gives the result on every rank. */
  iallreduce<T = unknown>(value: T, op: OpArg<T> = SUM): Request<T> {
    const o = toOp("iallreduce", op);
    return this.#start("iallreduce", -1, (s) => allreduceSteps(s, value, o, "iallreduce"));
  }

  /** Starts a gather onto `root`; `wait()` gives the values in rank order there, null elsewhere. */
  igather<T = unknown>(value: T, root = 0): Request<T[] | null> {
    checkRoot("igather", root, this.size);
    return this.#start("igather", root, (s) => gatherSteps(s, value, root));
  }

  /** Starts a scatter of the root's `values` (one per rank); `wait()` gives this rank's. */
  iscatter<T = unknown>(values: readonly T[] | null, root = 0): Request<T> {
    checkRoot("iscatter", root, this.size);
    const v = this.rank === root ? checkPerRank<T>("iscatter", values, this.size) : null;
    return this.#start("iscatter", root, (s) => scatterSteps(s, v, root));
  }

  /** Starts an allgather; `wait()` gives every rank's value in rank order. */
  iallgather<T = unknown>(value: T): Request<T[]> {
    return this.#start("iallgather", -1, (s) => exchangeSteps(s, () => value));
  }

  /** Starts an all-to-all of `values` (one per rank); `wait()` gives what each rank sent this one. */
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
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * const comm = world();
   * const twin = comm.idup().wait();
   * console.log(twin.size === comm.size && twin !== comm); // true
   * ```
   */
  idup<C>(this: NonBlocking & { dup(): C }): Request<C> {
    this.checkLive("idup");
    return new Request<C>(null, null, null, this.dup(), null);
  }

  /** Starts an inclusive prefix reduction; `wait()` gives op(v0, ..., v_rank), as `scan` does. */
  iscan<T = unknown>(value: T, op: OpArg<T> = SUM): Request<T> {
    const o = toOp("iscan", op);
    return this.#start("iscan", -1, (s) => scanSteps(s, value, o, false));
  }

  /** Starts an exclusive prefix reduction; `wait()` gives op(v0, ..., v_rank−1), null on rank 0, as `exscan` does. */
  iexscan<T = unknown>(value: T, op: OpArg<T> = SUM): Request<T | null> {
    const o = toOp("iexscan", op);
    return this.#start("iexscan", -1, (s) => scanSteps(s, value, o, true));
  }

  // ---- nonblocking buffer collectives (mpi4py's Iallreduce(sendbuf, recvbuf), ...; logic in _nbc_into.ts) ----
  // The arguments of the blocking forms (allreduceInto, ...), checked alike; an argument error throws at once on
  // the rank that passed it (the others' requests then wait for it, as in MPI). `send` and `recv` belong to the
  // collective until the request completes: do not touch them before. `wait()` gives undefined.

  /**
   * Starts `allreduceInto`: every rank's `send`
   * (`recv` itself for IN_PLACE) reduced with `op` into `recv`, the same
   * bits on every rank, once the request completes.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * const comm = world();
   * const sum = new Float64Array(2);
   * const r = comm.iallreduceInto(new Float64Array([1, comm.rank]), sum);
   * // ... work that does not touch sum ...
   * r.wait();
   * console.log(sum[0] === comm.size); // true
   * ```
   */
  iallreduceInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): Request<undefined> {
    this.checkLive("iallreduceInto");
    return this.#request("iallreduceInto", -1, into.iallreduceInto(this, send, recv, op));
  }

  /** Starts `reduceInto`: every rank's `send` reduced into `recv` on `root` (IN_PLACE there only). */
  ireduceInto(send: NumericArray | InPlace, recv: NumericArray | null, op: Op = SUM, root = 0): Request<undefined> {
    this.checkLive("ireduceInto");
    return this.#request("ireduceInto", root, into.ireduceInto(this, send, recv, op, root));
  }

  /**
   * Starts `bcastInto`: the root's `buf` copied into every rank's `buf`.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * const comm = world();
   * const buf = new Int32Array(comm.rank === 0 ? [7, 8] : [0, 0]);
   * await comm.ibcastInto(buf, 0);
   * console.log(buf[1] === 8); // true
   * ```
   */
  ibcastInto(buf: NumericArray, root = 0): Request<undefined> {
    this.checkLive("ibcastInto");
    return this.#request("ibcastInto", root, into.ibcastInto(this, buf, root));
  }

  /** Starts `allgatherInto`: every rank's `send` into block r of every rank's `recv` (IN_PLACE: own block in recv). */
  iallgatherInto(send: NumericArray | InPlace, recv: NumericArray): Request<undefined> {
    this.checkLive("iallgatherInto");
    return this.#request("iallgatherInto", -1, into.iallgatherInto(this, send, recv));
  }

  /** Starts `gatherInto`: every rank's `send` into block r of `recv` on `root`. */
  igatherInto(send: NumericArray | InPlace, recv: NumericArray | null, root = 0): Request<undefined> {
    this.checkLive("igatherInto");
    return this.#request("igatherInto", root, into.igatherInto(this, send, recv, root));
  }

  /** Starts `scatterInto`: block r of the root's `send` into rank r's `recv`. */
  iscatterInto(send: NumericArray | null, recv: NumericArray | InPlace, root = 0): Request<undefined> {
    this.checkLive("iscatterInto");
    return this.#request("iscatterInto", root, into.iscatterInto(this, send, recv, root));
  }

  /** Starts `alltoallInto`: block j of every rank's `send` into block r of rank j's `recv`. */
  ialltoallInto(send: NumericArray | InPlace, recv: NumericArray): Request<undefined> {
    this.checkLive("ialltoallInto");
    return this.#request("ialltoallInto", -1, into.ialltoallInto(this, send, recv));
  }

  /** Starts `scanInto`: rank r's `recv` gets op(send0, ..., send_r). */
  iscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): Request<undefined> {
    this.checkLive("iscanInto");
    return this.#request("iscanInto", -1, into.iscanInto(this, send, recv, op, "iscanInto"));
  }

  /** Starts `exscanInto`: rank r's `recv` gets op(send0, ..., send_r−1); rank 0's is untouched. */
  iexscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): Request<undefined> {
    this.checkLive("iexscanInto");
    return this.#request("iexscanInto", -1, into.iscanInto(this, send, recv, op, "iexscanInto"));
  }
}

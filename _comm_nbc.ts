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
import { type OpArg, SUM, toOp } from "./ops.ts";
import { collectiveContext } from "./transport/calls.ts";
import {
  allreduceSteps,
  barrierSteps,
  bcastSteps,
  exchangeSteps,
  gatherSteps,
  reduceSteps,
  scatterSteps,
  startCollective,
  type Steps,
} from "./_nbc.ts";
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
  #start<T>(call: string, root: number, steps: (s: Steps) => Generator<PendingOp[], unknown, void>): Request<T> {
    const op = startCollective(this, call, steps);
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
}

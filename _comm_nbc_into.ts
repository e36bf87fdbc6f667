/**
 * {@linkcode NonBlockingInto}: a communicator's nonblocking buffer
 * collectives (mpi4py's `Iallreduce(sendbuf, recvbuf)`, ...), which `Comm`
 * extends; the value forms are in `_comm_nbc.ts`, the logic in
 * `_nbc_into.ts`.
 *
 * @module
 */

import { nbcRequest, NonBlocking } from "./_comm_nbc.ts";
import type { Request } from "./request.ts";
import { type Op, SUM } from "./ops.ts";
import * as into from "./_nbc_into.ts";
import type { InPlace } from "./constants.ts";
import type { NumericArray } from "./transport/typed.ts";

/**
 * The nonblocking buffer collectives of a communicator; every `Comm` is one.
 * Each starts the collective on typed arrays the caller owns and returns a
 * {@linkcode Request} whose `wait()` gives `undefined` once `recv` holds the
 * result.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const all = new Int32Array(comm.size);
 * comm.iallgatherInto(new Int32Array([comm.rank]), all).wait();
 * deepEqual(Array.from(all), Array.from({ length: comm.size }, (_, r) => r));
 * ```
 */
export class NonBlockingInto extends NonBlocking {
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
    return nbcRequest(this, "iallreduceInto", -1, into.iallreduceInto(this, send, recv, op));
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
    return nbcRequest(this, "ireduceInto", root, into.ireduceInto(this, send, recv, op, root));
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
    return nbcRequest(this, "ibcastInto", root, into.ibcastInto(this, buf, root));
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
    return nbcRequest(this, "iallgatherInto", -1, into.iallgatherInto(this, send, recv));
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
    return nbcRequest(this, "igatherInto", root, into.igatherInto(this, send, recv, root));
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
    return nbcRequest(this, "iscatterInto", root, into.iscatterInto(this, send, recv, root));
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
    return nbcRequest(this, "ialltoallInto", -1, into.ialltoallInto(this, send, recv));
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
    return nbcRequest(this, "iscanInto", -1, into.iscanInto(this, send, recv, op, "iscanInto"));
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
    return nbcRequest(this, "iexscanInto", -1, into.iscanInto(this, send, recv, op, "iexscanInto"));
  }
}

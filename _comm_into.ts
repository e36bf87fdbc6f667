/**
 * {@linkcode BufferCollectives}: a communicator's buffer collectives
 * (mpi4py's `Allreduce(sendbuf, recvbuf)`, ...), which `Comm` extends.
 * Typed arrays only, nothing allocated per call; the logic is in
 * `_buffer_api.ts`.
 *
 * @module
 */

import type { InPlace } from "./constants.ts";
import * as into from "./_buffer_api.ts";
import { NonBlockingInto } from "./_comm_nbc_into.ts";
import { Coll } from "./collectives/_coll.ts";
import { type Op, SUM } from "./ops.ts";
import type { NumericArray } from "./transport/typed.ts";

/**
 * The buffer collectives of a communicator (mpi4py's `Allreduce(sendbuf,
 * recvbuf)`, ...); every `Comm` is one. Typed arrays only, nothing
 * allocated per call; `send` may be `IN_PLACE` where MPI allows it.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const recv = new Float64Array(2);
 * comm.allreduceInto(new Float64Array([1, comm.rank]), recv);
 * deepEqual(recv, new Float64Array([comm.size, (comm.size * (comm.size - 1)) / 2]));
 * ```
 */
export class BufferCollectives extends NonBlockingInto {
  #coll: Coll | null = null;

  // ---- buffer collectives (mpi4py's Allreduce(sendbuf, recvbuf), ...; the logic is in _buffer_api.ts) ----
  // Typed arrays only, nothing allocated; `send` may be IN_PLACE where MPI allows it. Arrays that disagree
  // between ranks throw an SpmdError: on every rank without a root, on the ranks that find it with one.

  /**
   * Reduces every rank's `send` (`recv` itself for IN_PLACE) with `op` into `recv`: the same bits on every rank.
   *
   * @param send This rank's input, or `IN_PLACE` to take it from `recv`.
   * @param recv Where the result goes: the same type and length as `send`.
   * @param op The reduction (default `SUM`; no user op on bigint arrays).
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { IN_PLACE, MAX, world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const v = new Int32Array([comm.rank, 1]);
   * comm.allreduceInto(IN_PLACE, v, MAX);
   * deepEqual(v, new Int32Array([comm.size - 1, 1]));
   * ```
   */
  allreduceInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.allreduceInto(this, send, recv, op);
  }

  /**
   * Reduces every rank's `send` into `recv` on `root` (IN_PLACE on the root only); others' `recv` is unused.
   *
   * @param send This rank's input, or `IN_PLACE` on the root to take it from `recv`.
   * @param recv On `root`, where the result goes; unused elsewhere (may be `null`).
   * @param op The reduction (default `SUM`).
   * @param root The rank that gets the result (default 0).
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { SUM, world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = comm.rank === 0 ? new Float64Array(1) : null;
   * comm.reduceInto(new Float64Array([comm.rank + 1]), recv, SUM, 0);
   * if (recv !== null) equal(recv[0], (comm.size * (comm.size + 1)) / 2);
   * ```
   */
  reduceInto(send: NumericArray | InPlace, recv: NumericArray | null, op: Op = SUM, root = 0): void {
    into.reduceInto(this, send, recv, op, root);
  }

  /**
   * Copies the root's `buf` into every rank's `buf` (one type and length everywhere).
   *
   * @param buf On `root`, what to send; elsewhere, where it goes.
   * @param root The rank that sends (default 0).
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const params = new Float64Array(3);
   * if (comm.rank === 0) params.set([0.1, 0.2, 0.3]);
   * comm.bcastInto(params, 0);
   * deepEqual(params, new Float64Array([0.1, 0.2, 0.3]));
   * ```
   */
  bcastInto(buf: NumericArray, root = 0): void {
    into.bcastInto(this, buf, root);
  }

  /**
   * Every rank's `send` into block r (of `send.length`) of every rank's `recv`; IN_PLACE: own block is in `recv`.
   *
   * @param send This rank's block, or `IN_PLACE` (it is already at block `rank` of `recv`).
   * @param recv `size` blocks of the same type.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = new Int32Array(comm.size);
   * comm.allgatherInto(new Int32Array([comm.rank * 2]), recv);
   * deepEqual(recv, Int32Array.from({ length: comm.size }, (_, r) => r * 2));
   * ```
   */
  allgatherInto(send: NumericArray | InPlace, recv: NumericArray): void {
    into.allgatherInto(this, send, recv);
  }

  /**
   * Every rank's `send` into block r of `recv` on `root` (IN_PLACE on the root only); others' `recv` is unused.
   *
   * @param send This rank's block, or `IN_PLACE` on the root (its block is already in `recv`).
   * @param recv On `root`, room for `size` blocks; unused elsewhere (may be `null`).
   * @param root The rank that gets the blocks (default 0).
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = comm.rank === 0 ? new Float32Array(comm.size) : null;
   * comm.gatherInto(new Float32Array([comm.rank]), recv, 0);
   * if (recv !== null) deepEqual(recv, Float32Array.from({ length: comm.size }, (_, r) => r));
   * ```
   */
  gatherInto(send: NumericArray | InPlace, recv: NumericArray | null, root = 0): void {
    into.gatherInto(this, send, recv, root);
  }

  /**
   * Block r of the root's `send` into rank r's `recv` (the root's `recv` may be IN_PLACE); others' `send` is unused.
   *
   * @param send On `root`, `size` blocks; unused elsewhere (may be `null`).
   * @param recv Where this rank's block goes, or `IN_PLACE` on the root (it keeps its block in `send`).
   * @param root The rank that sends (default 0).
   * @throws {SpmdError} `MPI_ERR_ROOT` if `root` is not a rank; `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const send = comm.rank === 0 ? Int32Array.from({ length: 2 * comm.size }, (_, i) => i) : null;
   * const recv = new Int32Array(2);
   * comm.scatterInto(send, recv, 0);
   * deepEqual(recv, new Int32Array([2 * comm.rank, 2 * comm.rank + 1]));
   * ```
   */
  scatterInto(send: NumericArray | null, recv: NumericArray | InPlace, root = 0): void {
    into.scatterInto(this, send, recv, root);
  }

  /**
   * Block j of every rank's `send` (IN_PLACE: of its `recv`) into block r of rank j's `recv`.
   *
   * @param send `size` blocks, block j for rank j; or `IN_PLACE` (they are in `recv`).
   * @param recv `size` blocks: block i comes from rank i.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const send = Int32Array.from({ length: comm.size }, (_, j) => 10 * comm.rank + j);
   * const recv = new Int32Array(comm.size);
   * comm.alltoallInto(send, recv);
   * deepEqual(recv, Int32Array.from({ length: comm.size }, (_, i) => 10 * i + comm.rank));
   * ```
   */
  alltoallInto(send: NumericArray | InPlace, recv: NumericArray): void {
    into.alltoallInto(this, send, recv);
  }

  /**
   * Inclusive prefix reduction into `recv`: rank r gets op(send0, ..., send_r).
   *
   * @param send This rank's input, or `IN_PLACE` to take it from `recv`.
   * @param recv Where the result goes: the same type and length as `send`.
   * @param op The reduction (default `SUM`).
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = new Float64Array(1);
   * comm.scanInto(new Float64Array([1]), recv);
   * equal(recv[0], comm.rank + 1);
   * ```
   */
  scanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.scanInto(this, send, recv, op, "scanInto");
  }

  /**
   * Exclusive prefix reduction into `recv`: rank r gets op(send0, ..., send_r−1); rank 0's `recv` is untouched.
   *
   * @param send This rank's input, or `IN_PLACE` to take it from `recv`.
   * @param recv Where the result goes (left as it is on rank 0).
   * @param op The reduction (default `SUM`).
   * @throws {SpmdError} `MPI_ERR_BUFFER` if an array is not a numeric typed array (or is detached); `MPI_ERR_TYPE` or `MPI_ERR_COUNT` if types or lengths do not fit or differ between ranks; `MPI_ERR_OP` if `op` does not apply to the type; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const recv = new Int32Array([0]); // rank 0 keeps this
   * comm.exscanInto(new Int32Array([1]), recv);
   * equal(recv[0], comm.rank);
   * ```
   */
  exscanInto(send: NumericArray | InPlace, recv: NumericArray, op: Op = SUM): void {
    into.scanInto(this, send, recv, op, "exscanInto");
  }

  /** @ignore The communicator's collectives, named for `call` (checks that the communicator is live). */
  collFor(call: string): Coll {
    this.checkLive(call);
    return (this.#coll ??= new Coll(this)).named(call);
  }
}

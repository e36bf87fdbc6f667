/**
 * {@linkcode SyncSends}: a communicator's synchronous sends and
 * send-receive-replace (mpi4py's `ssend`, `issend`, `Sendrecv_replace`),
 * which `Comm` extends; the logic is in `_ssend.ts`.
 *
 * @module
 */

import { PointToPoint } from "./_comm_p2p.ts";
import { ANY_SOURCE, ANY_TAG } from "./constants.ts";
import type { Request } from "./request.ts";
import type { Status } from "./status.ts";
import { issend, sendrecvReplace, ssend } from "./_ssend.ts";

/**
 * The synchronous sends of a communicator; every `Comm` is one. A
 * synchronous send completes only once a receive has taken its message.
 *
 * @example
 * ```ts
 * import { world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const r = comm.issend(comm.rank, comm.rank, 3); // to itself: completes once received
 * equal(comm.recv(comm.rank, 3), comm.rank);
 * r.wait();
 * ```
 */
export class SyncSends extends PointToPoint {
  /**
   * Synchronous send (MPI_Ssend): returns only once a receive on `dest`
   * has taken the message, so two ranks that `ssend` to each other before
   * receiving deadlock — the classic demonstration of what standard-mode
   * `send` hides by buffering.
   *
   * @param value Any structured-cloneable value.
   * @param dest The receiving rank, or `PROC_NULL` (then nothing is sent).
   * @param tag The message's tag, 0..`TAG_UB` (default 0).
   * @throws {SpmdError} `MPI_ERR_RANK` if `dest` is not a rank or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not in 0..`TAG_UB`; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const req = comm.irecv(prev, 8); // receive first, or two ssends deadlock
   * comm.ssend("in step", next, 8);
   * equal(req.wait(), "in step");
   * ```
   */
  ssend(value: unknown, dest: number, tag = 0): void {
    this.checkLive("ssend");
    ssend(this, value, dest, tag);
  }

  /**
   * Starts a synchronous send (MPI_Issend): its {@linkcode Request} completes once a receive has taken the message.
   *
   * @param value Any structured-cloneable value.
   * @param dest The receiving rank, or `PROC_NULL` (then nothing is sent).
   * @param tag The message's tag, 0..`TAG_UB` (default 0).
   * @returns The send's request.
   * @throws {SpmdError} `MPI_ERR_RANK` if `dest` is not a rank or `PROC_NULL`; `MPI_ERR_TAG` if `tag` is not in 0..`TAG_UB`; `MPI_ERR_COMM` if the communicator was freed.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const req = comm.issend("x", next, 9);
   * equal(comm.recv(prev, 9), "x");
   * req.wait(); // the message was taken
   * ```
   */
  issend(value: unknown, dest: number, tag = 0): Request<undefined> {
    this.checkLive("issend");
    return issend(this, value, dest, tag);
  }

  /**
   * Sends the contents of `buffer` (a typed array) to `dest` and receives a
   * typed-array message from `source` into the same buffer
   * (MPI_Sendrecv_replace); returns the received message's
   * {@linkcode Status}. A larger message throws `TruncateError`.
   *
   * @param buffer The typed array to send, then to receive into.
   * @param dest The receiving rank, or `PROC_NULL`.
   * @param sendTag The sent message's tag (default 0).
   * @param source The sending rank, `ANY_SOURCE` (default) or `PROC_NULL`.
   * @param recvTag The tag to receive, or `ANY_TAG` (default).
   * @returns The received message's status.
   * @throws {TruncateError} `MPI_ERR_TRUNCATE` if the received message is larger than `buffer`.
   * @throws {SpmdError} `MPI_ERR_BUFFER` if `buffer` is not a typed array; `MPI_ERR_TYPE` if the message is not a typed array; `MPI_ERR_RANK`, `MPI_ERR_TAG` for a bad rank or tag; `MPI_ERR_COMM` if the communicator was freed.
   * @throws {AbortedError} `MPI_ERR_ABORTED` if the job is stopped while this rank waits.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { deepEqual } from "node:assert/strict";
   *
   * const comm = world();
   * const next = (comm.rank + 1) % comm.size;
   * const prev = (comm.rank - 1 + comm.size) % comm.size;
   * const buf = new Int32Array([comm.rank]);
   * comm.sendrecvReplace(buf, next, 0, prev, 0);
   * deepEqual(buf, new Int32Array([prev]));
   * ```
   */
  sendrecvReplace(
    buffer: ArrayBufferView,
    dest: number,
    sendTag = 0,
    source: number = ANY_SOURCE,
    recvTag: number = ANY_TAG,
  ): Status {
    this.checkLive("sendrecvReplace");
    return sendrecvReplace(this, buffer, dest, sendTag, source, recvTag);
  }
}

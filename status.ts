/**
 * {@linkcode Status}: what a receive or probe learned about a message.
 *
 * @module
 */

/**
 * The envelope of a received or probed message, as MPI_Status.
 *
 * @example
 * ```ts
 * import { Status, world } from "@spmd/spmd";
 * const comm = world();
 * const st = new Status();
 * comm.send("hi", comm.rank);
 * comm.recv(comm.rank, 0, st);
 * console.log(st.source, st.tag, st.bytes); // 0 0 2
 * ```
 */
export class Status {
  /**
   * Rank of the sender in the communicator. A fresh Status has
   * `ANY_SOURCE` (−2), as in mpi4py, so it is never mistaken for a receive
   * from `PROC_NULL` (−1).
   */
  source: number = -2;
  /** Tag of the message (`ANY_TAG`, −1, until a receive fills it). */
  tag: number = -1;
  /** Payload size in bytes as sent (for typed arrays, their byteLength). */
  bytes: number = 0;
}

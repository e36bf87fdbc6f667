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
  /** Rank of the sender in the communicator (-1 before a receive fills it). */
  source: number = -1;
  /** Tag of the message (-1 before a receive fills it). */
  tag: number = -1;
  /** Payload size in bytes as sent (for typed arrays, their byteLength). */
  bytes: number = 0;
}

/**
 * {@linkcode Status}: what a receive or probe learned about a message.
 *
 * @module
 */

import { describe, SpmdError } from "./errors.ts";

/**
 * A typed-array constructor, for {@linkcode Status.count}.
 *
 * @example
 * ```ts
 * import { type ElementType, Status } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const T: ElementType = Float32Array;
 * const st = new Status();
 * st.bytes = 8;
 * equal(st.count(T), 2);
 * ```
 */
export interface ElementType {
  /** Bytes per element. */
  readonly BYTES_PER_ELEMENT: number;
  /** The constructor's name (for errors). */
  readonly name: string;
}

/**
 * The envelope of a received or probed message, as MPI_Status.
 *
 * @example
 * ```ts
 * import { Status, world } from "@spmd/spmd";
 * import { equal, ok } from "node:assert/strict";
 *
 * const comm = world();
 * const st = new Status();
 * comm.send("hi", comm.rank);
 * comm.recv(comm.rank, 0, st);
 * equal(st.source, comm.rank);
 * equal(st.tag, 0);
 * ok(st.bytes > 0);
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
  /**
   * The error the operation completed with (MPI_Status's `MPI_ERROR`), e.g.
   * a `TruncateError` of a request whose `wait` threw it; null when it
   * succeeded. Set by requests (and `waitAll` with statuses).
   */
  error: Error | null = null;
  /** True when the receive was withdrawn by `Request.cancel()` (MPI_Test_cancelled). */
  cancelled: boolean = false;

  /**
   * The number of elements of `Type` (a typed-array constructor; default
   * Uint8Array, i.e. bytes) in the message, as MPI_Get_count. Throws when
   * the byte count is not a multiple of the element size.
   *
   * @param Type The element type (default `Uint8Array`).
   * @returns The number of elements.
   * @throws {SpmdError} `MPI_ERR_TYPE` if `Type` is not a typed-array constructor or the bytes are not a whole number of its elements.
   *
   * @example
   * ```ts
   * import { world } from "@spmd/spmd";
   * import { equal } from "node:assert/strict";
   *
   * const comm = world();
   * comm.send(new Float64Array(3), comm.rank);
   * const st = comm.probe(comm.rank);
   * equal(st.count(Float64Array), 3);
   * equal(st.count(), 24);
   * comm.recv(comm.rank);
   * ```
   */
  count(Type: ElementType = Uint8Array): number {
    const size = typeof Type === "function" ? (Type as ElementType).BYTES_PER_ELEMENT : undefined;
    if (typeof size !== "number" || !Number.isInteger(size) || size <= 0) {
      throw new SpmdError(
        `Status.count: Type must be a typed-array constructor (Float64Array, Int32Array, ...), got ${describe(Type)}`,
        "MPI_ERR_TYPE",
      );
    }
    if (this.bytes % size !== 0) {
      throw new SpmdError(
        `Status.count: the message's ${this.bytes} bytes are not a whole number of ${Type.name} elements ` +
          `(${size} bytes each)`,
        "MPI_ERR_TYPE",
      );
    }
    return this.bytes / size;
  }
}

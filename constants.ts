/**
 * Wildcards and special values, numbered as in MPICH so that every MPI
 * textbook applies.
 *
 * @module
 */

/**
 * Matches a message from any source (MPI_ANY_SOURCE).
 *
 * @example
 * ```ts
 * import { ANY_SOURCE, Status, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * comm.send("any", comm.rank, 20);
 * const st = new Status();
 * equal(comm.recv(ANY_SOURCE, 20, st), "any");
 * equal(st.source, comm.rank); // the status tells who sent it
 * ```
 */
export const ANY_SOURCE: number = -2;
/**
 * Matches a message with any tag (MPI_ANY_TAG).
 *
 * @example
 * ```ts
 * import { ANY_TAG, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * comm.send("tagged", comm.rank, 21);
 * equal(comm.probe(comm.rank, ANY_TAG).tag, 21);
 * equal(comm.recv(comm.rank, ANY_TAG), "tagged");
 * ```
 */
export const ANY_TAG: number = -1;
/**
 * The null process: a send to it does nothing, a receive from it returns `null` at once (MPI_PROC_NULL).
 *
 * @example
 * ```ts
 * import { PROC_NULL, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * // The first rank has no left neighbour: its receive from PROC_NULL returns at once.
 * const left = comm.rank === 0 ? PROC_NULL : comm.rank - 1;
 * const right = comm.rank === comm.size - 1 ? PROC_NULL : comm.rank + 1;
 * const got = comm.sendrecv(comm.rank, right, 0, left, 0);
 * equal(got ?? null, comm.rank === 0 ? null : comm.rank - 1);
 * ```
 */
export const PROC_NULL: number = -1;
/**
 * The largest tag a user may use (MPI_TAG_UB).
 *
 * @example
 * ```ts
 * import { TAG_UB, world } from "@spmd/spmd";
 * import { equal, throws } from "node:assert/strict";
 *
 * const comm = world();
 * comm.send("top", comm.rank, TAG_UB);
 * equal(comm.recv(comm.rank, TAG_UB), "top");
 * throws(() => comm.send("over", comm.rank, TAG_UB + 1), { code: "MPI_ERR_TAG" });
 * ```
 */
export const TAG_UB: number = 0x7fffffff;
/**
 * Pass as the send buffer of a buffer collective (`allreduceInto`,
 * `reduceInto` on the root, `allgatherInto`, `gatherInto` on the root,
 * `alltoallInto`, `scanInto`, `exscanInto`) or as the root's receive buffer
 * of `scatterInto` to work in place (MPI_IN_PLACE): the input is taken from
 * the receive buffer (or, for `scatterInto`, the root's block stays in the
 * send buffer). Anywhere else it is an error.
 *
 * @example
 * ```ts
 * import { IN_PLACE, world } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * const comm = world();
 * const v = new Float64Array([1, 2]);
 * comm.allreduceInto(IN_PLACE, v); // v is both input and result
 * deepEqual(v, new Float64Array([comm.size, 2 * comm.size]));
 * ```
 */
export const IN_PLACE: unique symbol = Symbol("IN_PLACE");
/**
 * The type of {@linkcode IN_PLACE}.
 *
 * @example
 * ```ts
 * import { IN_PLACE, type InPlace, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const send: Float64Array | InPlace = comm.rank === 0 ? IN_PLACE : new Float64Array([comm.rank]);
 * const recv = comm.rank === 0 ? new Float64Array([0]) : null;
 * comm.reduceInto(send, recv);
 * if (recv !== null) equal(recv[0], (comm.size * (comm.size - 1)) / 2);
 * ```
 */
export type InPlace = typeof IN_PLACE;
/**
 * `comm.compare`: the same communicator (MPI_IDENT).
 *
 * @example
 * ```ts
 * import { IDENT, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(comm.compare(world()), IDENT);
 * ```
 */
export const IDENT: number = 0;
/**
 * `comm.compare`: the same ranks in the same order, another context (MPI_CONGRUENT).
 *
 * @example
 * ```ts
 * import { CONGRUENT, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const d = comm.dup();
 * equal(comm.compare(d), CONGRUENT);
 * d.free();
 * ```
 */
export const CONGRUENT: number = 1;
/**
 * `comm.compare`: the same ranks in another order (MPI_SIMILAR).
 *
 * @example
 * ```ts
 * import { CONGRUENT, SIMILAR, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * const reversed = comm.split(0, comm.size - comm.rank)!;
 * equal(comm.compare(reversed), comm.size === 1 ? CONGRUENT : SIMILAR);
 * reversed.free();
 * ```
 */
export const SIMILAR: number = 2;
/**
 * `comm.compare`: different ranks (MPI_UNEQUAL).
 *
 * @example
 * ```ts
 * import { CONGRUENT, self, UNEQUAL, world } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const comm = world();
 * equal(self().compare(comm), comm.size === 1 ? CONGRUENT : UNEQUAL);
 * ```
 */
export const UNEQUAL: number = 3;

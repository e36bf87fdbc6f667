/**
 * Wildcards and special values, numbered as in MPICH so that every MPI
 * textbook applies.
 *
 * @module
 */

/** Matches a message from any source (MPI_ANY_SOURCE). */
export const ANY_SOURCE: number = -2;
/** Matches a message with any tag (MPI_ANY_TAG). */
export const ANY_TAG: number = -1;
/** The null process: a send to it does nothing, a receive from it returns `null` at once (MPI_PROC_NULL). */
export const PROC_NULL: number = -1;
/** The largest tag a user may use (MPI_TAG_UB). */
export const TAG_UB: number = 0x7fffffff;
/**
 * Pass as the send buffer of a buffer collective (`allreduceInto`,
 * `reduceInto` on the root, `allgatherInto`, `gatherInto` on the root,
 * `alltoallInto`, `scanInto`, `exscanInto`) or as the root's receive buffer
 * of `scatterInto` to work in place (MPI_IN_PLACE): the input is taken from
 * the receive buffer (or, for `scatterInto`, the root's block stays in the
 * send buffer). Anywhere else it is an error.
 */
export const IN_PLACE: unique symbol = Symbol("IN_PLACE");
/** The type of {@linkcode IN_PLACE}. */
export type InPlace = typeof IN_PLACE;
/** `comm.compare`: the same communicator (MPI_IDENT). */
export const IDENT: number = 0;
/** `comm.compare`: the same ranks in the same order, another context (MPI_CONGRUENT). */
export const CONGRUENT: number = 1;
/** `comm.compare`: the same ranks in another order (MPI_SIMILAR). */
export const SIMILAR: number = 2;
/** `comm.compare`: different ranks (MPI_UNEQUAL). */
export const UNEQUAL: number = 3;

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

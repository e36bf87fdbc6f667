/**
 * What a rank's MPI endpoint (`MpiTransport`, mpi_transport.ts) is made
 * from: the loaded library and the tuning the rank's bootstrap passes on.
 *
 * @module
 */

import type { MpiLib } from "./lib.ts";

/** Largest payload sent with `MPI_Send` from the caller's memory (override: `SPMD_MPI_EAGER`). */
export const EAGER_BYTES = 4000;
/** Options of `MpiTransport`. */
export interface MpiTransportOptions {
  /** The loaded library. */
  lib: MpiLib;
  /** Seconds after which a wait stops the job (0: never). */
  timeoutSeconds?: number;
  /** Payload bytes sent with `MPI_Send` from the caller's memory. */
  eagerBytes?: number;
  /** Ranks on this node (default: every rank), to tell whether ranks outnumber cores. */
  localRanks?: number;
  /** Called (then MPI_Abort) when this rank stops the job. */
  onAbort?: (code: number, message: string) => void;
}

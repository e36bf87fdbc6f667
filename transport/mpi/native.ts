/**
 * MPI's own collectives for typed arrays and built-in ops, so that the
 * library's tuned algorithms run (filled in below the interface in
 * transport.ts, `NativeCollectives`).
 *
 * @module
 */

import type { CommEntry } from "./_comms.ts";
import type { MpiCalls } from "./_calls.ts";

/** MPI's collectives on the communicator of a context. */
export class NativeCollectives {
  readonly #mpi: MpiCalls;
  readonly #comm: (context: number) => CommEntry;

  /** Collectives of `mpi` on the communicators `comm` finds. */
  constructor(mpi: MpiCalls, comm: (context: number) => CommEntry) {
    this.#mpi = mpi;
    this.#comm = comm;
  }

  /** `MPI_Barrier`. */
  barrier(context: number): void {
    this.#mpi.check(this.#mpi.fn.MPI_Barrier(this.#comm(context).handle), "MPI_Barrier");
  }
}

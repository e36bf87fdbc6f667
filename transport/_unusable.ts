// The error of a call on an endpoint that can no longer be used (the shared-memory backend's `#live`).

import { unnamedError } from "../errors.ts";

/** The error of a call on rank `rank`'s endpoint after the job `ended`, or after the rank finalized. */
export function unusable(rank: number, ended: boolean): Error {
  return unnamedError(
    "the communicator is no longer usable: " +
      (ended
        ? "this rank's job has ended"
        : `rank ${rank} has finalized (its program and all its pending work had finished, or it called ` +
          `Deno.exit); await every async function that uses spmd before the module's top level returns`),
    "MPI_ERR_COMM",
  );
}

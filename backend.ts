/**
 * {@linkcode backend}: which backend carries this rank's messages.
 *
 * @module
 */

import { worldTransport } from "./launcher/rank/_world_info.ts";
import type { MpiLib } from "./transport/mpi/lib.ts";

/** What {@linkcode backend} returns. */
export interface BackendInfo {
  /**
   * `"shm"`: ranks are Web Workers of one process sharing memory (spmd's
   * launcher, `spawn`, or a plain `deno run`); `"mpi"`: one process per
   * rank, messages carried by an MPI library (a job started by `mpiexec`,
   * `srun`, or `SPMD_BACKEND=mpi`).
   */
  name: "shm" | "mpi";
  /** MPI only: the library as loaded, e.g. `"libmpich.so.12"` (or `SPMD_MPI_LIB`). */
  library?: string;
  /** MPI only: the first line of `MPI_Get_library_version`, e.g. `"MPICH Version: 4.0.2"`. */
  version?: string;
}

/**
 * The backend of this rank's world communicator. Like `world()`, the
 * first call binds the rank to its job (under an MPI launcher, that
 * initializes MPI).
 *
 * @example
 * ```ts
 * import { backend, world } from "@spmd/spmd";
 *
 * const b = backend();
 * if (world().rank === 0) {
 *   console.log(b.name === "mpi" ? `MPI: ${b.version} (${b.library})` : "shared memory");
 * }
 * ```
 */
export function backend(): BackendInfo {
  const t = worldTransport() as { lib?: MpiLib };
  if (t.lib === undefined) return { name: "shm" };
  return { name: "mpi", library: t.lib.path, version: t.lib.version.replaceAll("\0", "").trim() };
}

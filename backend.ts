/**
 * {@linkcode backend}: which backend carries this rank's messages.
 *
 * @module
 */

import { worldTransport } from "./launcher/rank/_world_info.ts";
import type { MpiLib } from "./transport/mpi/lib.ts";

/**
 * What {@linkcode backend} returns.
 *
 * @example
 * ```ts
 * import { backend, type BackendInfo } from "@spmd/spmd";
 * import { ok } from "node:assert/strict";
 *
 * const info: BackendInfo = backend();
 * ok(info.name === "shm" || info.name === "mpi");
 * ```
 */
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
 * @returns The backend's name and, for MPI, the library and its version.
 *
 * @example
 * ```ts
 * import { backend } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const b = backend();
 * // Under spmd's launcher, `spawn` or a plain `deno run`: shared memory.
 * if (Deno.env.get("SPMD_BACKEND") === undefined) equal(b.name, "shm");
 * if (b.name === "mpi") equal(typeof b.version, "string");
 * ```
 */
export function backend(): BackendInfo {
  const t = worldTransport() as { lib?: MpiLib };
  if (t.lib === undefined) return { name: "shm" };
  return { name: "mpi", library: t.lib.path, version: t.lib.version.replaceAll("\0", "").trim() };
}

/**
 * Was this process started by an MPI launcher? The launchers' environment
 * variables say so: Hydra's (MPICH, Intel MPI) `PMI_RANK`/`PMI_SIZE`, PMIx's
 * `PMIX_RANK` (Open MPI 5, Slurm's `srun --mpi=pmix`), Open MPI's
 * `OMPI_COMM_WORLD_SIZE`, `MPI_LOCALNRANKS`, and Slurm's `SLURM_PROCID` when
 * srun started it with a PMI plugin. `SPMD_BACKEND=mpi` or `shm` decides
 * instead.
 *
 * @module
 */

const LAUNCHER_VARS = ["PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"];

/** True when the backend should be MPI (read from `env`, which defaults to the process environment). */
export function startedByMpi(env: (k: string) => string | undefined = readEnv): boolean {
  const forced = env("SPMD_BACKEND");
  if (forced === "mpi") return true;
  if (forced === "shm") return false;
  if (forced !== undefined && forced !== "") {
    throw new Error(`SPMD_BACKEND must be "mpi" or "shm", got "${forced}"`);
  }
  if (LAUNCHER_VARS.some((k) => env(k) !== undefined)) return true;
  const slurmMpi = env("SLURM_MPI_TYPE");
  return env("SLURM_PROCID") !== undefined && slurmMpi !== undefined && slurmMpi !== "none";
}

function readEnv(k: string): string | undefined {
  try {
    return Deno.env.get(k);
  } catch {
    return undefined; // no --allow-env: not under an MPI launcher as far as we can tell
  }
}

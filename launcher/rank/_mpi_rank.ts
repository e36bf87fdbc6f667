// A rank started by an MPI launcher (`mpiexec -n 4 deno run -A app.ts`): one
// process per rank, the MPI backend (transport/mpi/). This file does for it
// what the worker bootstrap does for a rank of spmd's own launcher: reports
// an uncaught error as "rank N: <stack>" and takes the job down through
// MPI_Abort, and at the end finalizes (failing, like the launcher, when
// messages were left unreceived) and calls MPI_Finalize.

import { AbortSignalled } from "../../errors.ts";
import { loadMpi } from "../../transport/mpi/lib.ts";
import { MpiTransport } from "../../transport/mpi/mpi_transport.ts";
import { leftoverError } from "../report.ts";

function numberEnv(name: string): number | undefined {
  const v = Deno.env.get(name);
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

/** Ranks on this node, from the launcher's environment (undefined when it does not say). */
function localRanks(): number | undefined {
  for (const k of ["MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "PMIX_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"]) {
    const n = Number(Deno.env.get(k));
    if (Number.isInteger(n) && n > 0) return n;
  }
  return undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return `Uncaught ${typeof e === "string" ? e : Deno.inspect(e)}`;
}

/** The MPI transport of this process, with its error and exit handling installed. */
export function mpiWorldTransport(): MpiTransport {
  const t: MpiTransport = new MpiTransport({
    lib: loadMpi(),
    timeoutSeconds: numberEnv("SPMD_TIMEOUT"),
    eagerBytes: numberEnv("SPMD_MPI_EAGER"),
    localRanks: localRanks(),
    onAbort: (_code, message) => {
      if (message !== "") console.error(`rank ${t.rank}: ${message}`);
    },
  });
  let state: "running" | "ended" = "running";
  const fail = (e: unknown): void => {
    if (e instanceof AbortSignalled || state === "ended") return;
    state = "ended";
    console.error(`rank ${t.rank}: ${errorText(e)}`);
    t.abort(1, "");
  };
  const finish = (): void => {
    if (state !== "running") return;
    state = "ended";
    let e: Error | null = null;
    try {
      e = leftoverError(t.finalize());
    } catch (err) {
      e = err as Error;
    }
    if (e !== null) {
      console.error(`rank ${t.rank}: ${errorText(e)}`);
      t.abort(1, "");
    }
    t.shutdown();
  };
  addEventListener("error", (e) => {
    e.preventDefault();
    fail((e as ErrorEvent).error ?? (e as ErrorEvent).message);
  });
  addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    fail((e as PromiseRejectionEvent).reason);
  });
  addEventListener("unload", finish);
  const exit = Deno.exit;
  Object.defineProperty(Deno, "exit", {
    configurable: true,
    writable: true,
    value: (code = 0): never => {
      if (code === 0) finish();
      else if (state === "running") {
        state = "ended";
        // An exit status is a byte: a code that is a multiple of 256 must not read as success.
        t.abort((code & 255) || 1, `called Deno.exit(${code}) before the job ended`);
      }
      return exit(code);
    },
  });
  return t;
}

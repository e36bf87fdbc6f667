// Forcing a collective's algorithm, as MPICH's
// MPIR_CVAR_<OP>_INTRA_ALGORITHM does: the selector of operation <op>
// (collectives/<op>/select.ts) reads the environment variable
// SPMD_COLL_<OP> (SPMD_COLL_ALLREDUCE, SPMD_COLL_REDUCE_SCATTER, ...) once,
// at its first call on this rank. Its value is the file name of one of the
// operation's algorithms (`ring` for collectives/allreduce/ring.ts), or
// `auto` (or empty, or unset) for the automatic choice. An unknown name
// makes every call of the operation throw an SpmdError that names the
// variable and lists the choices. Every rank of a job sees the same
// environment (ranks are Web Workers of one process), so all throw alike.
//
// A forced algorithm that cannot serve a call (a value that is not a typed
// array, an op that is not element-wise, fewer elements than ranks, a size
// that is not a power of two, ...) is silently replaced by the automatic
// choice: forcing never changes a result or an error.
//
// Without permission to read the variable (no --allow-env), it counts as
// unset: no error, and no permission prompt.

import { SpmdError } from "../errors.ts";
import { readEnv } from "../transport/_env.ts";

/**
 * The algorithm each operation last ran on this rank, by operation (folder)
 * name (`lastRun.allreduce === "ring"`): for tests that check that forcing
 * took effect.
 */
export const lastRun: Record<string, string> = {};

/**
 * Notes that `op` ran algorithm `alg` on `c`'s communicator: in
 * {@linkcode lastRun}, and in the trace when the job is traced.
 */
export function ran(c: { readonly trace: { algorithm(name: string): void } | null }, op: string, alg: string): void {
  lastRun[op] = alg;
  c.trace?.algorithm(alg);
}

/** The algorithms of each operation whose selector is loaded, by operation (folder) name. */
export const algorithms: Record<string, readonly string[]> = {};

export { readEnv };

/**
 * The algorithm that `value` (of variable `variable`) names among `choices`:
 * null for the automatic choice (`undefined`, empty or "auto"); an
 * SpmdError (without a call's name) for a name that is not a choice.
 */
export function parseChoice<A extends string>(
  variable: string,
  value: string | undefined,
  choices: readonly A[],
): A | null | SpmdError {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "auto") return null;
  const hit = choices.find((a) => a === v);
  if (hit !== undefined) return hit;
  return new SpmdError(
    `${variable}=${JSON.stringify(value)} names no algorithm of this collective; the choices are auto, ${
      choices.join(", ")
    }`,
    "MPI_ERR_ARG",
  );
}

/**
 * The reader of the variable SPMD_COLL_<OPERATION> of `operation` (its
 * folder's name: "reduce_scatter" reads SPMD_COLL_REDUCE_SCATTER) among
 * `choices` (its algorithms' file names): returns the forced algorithm, or
 * null for the automatic choice; throws, naming `call`, when the variable
 * names no algorithm. Reads the environment at its first call only.
 */
export function forcedBy<A extends string>(operation: string, choices: readonly A[]): (call: string) => A | null {
  const variable = `SPMD_COLL_${operation.toUpperCase()}`;
  algorithms[operation] = choices;
  let state: A | null | SpmdError | undefined;
  return (call: string): A | null => {
    if (state === undefined) state = parseChoice(variable, readEnv(variable), choices);
    if (state instanceof SpmdError) throw new SpmdError(`${call}: ${state.message}`, state.code);
    return state;
  };
}

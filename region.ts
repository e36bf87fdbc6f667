/**
 * User regions in a trace: {@linkcode region}, {@linkcode traceBegin} and
 * {@linkcode traceEnd} mark phases of a rank's own work ("compute",
 * "gather", ...), drawn as blocks on its track when the job runs with
 * `--trace` or `--profile`. Without tracing they only check their
 * arguments.
 *
 * @module
 */

import { describe, SpmdError } from "./errors.ts";
import { worldInfo, worldTransport } from "./launcher/rank/_world_info.ts";
import type { TraceRecorder } from "./transport/trace.ts";

let open = 0;

function recorder(): TraceRecorder | null {
  const info = worldInfo();
  if (info === undefined || info.trace === undefined) return null;
  return (worldTransport() as { trace?: TraceRecorder | null }).trace ?? null;
}

/**
 * Starts a region named `name` on this rank's track; {@linkcode traceEnd}
 * ends the innermost one. Regions nest.
 *
 * @example
 * ```ts
 * import { traceBegin, traceEnd } from "@spmd/spmd";
 * traceBegin("compute");
 * let s = 0;
 * for (let i = 0; i < 1000; i++) s += i;
 * traceEnd();
 * ```
 */
export function traceBegin(name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new SpmdError(`traceBegin: name must be a non-empty string, got ${describe(name)}`, "MPI_ERR_ARG");
  }
  recorder()?.begin(name);
  open++;
}

/** Ends the innermost region that {@linkcode traceBegin} started. */
export function traceEnd(): void {
  if (open === 0) throw new SpmdError("traceEnd: no region is open (call traceBegin first)", "MPI_ERR_OTHER");
  open--;
  recorder()?.end();
}

/**
 * Runs `fn` as a region named `name` and returns its result; when `fn`
 * returns a promise, the region ends when it settles.
 *
 * @example
 * ```ts
 * import { region } from "@spmd/spmd";
 * const total = region("compute", () => [1, 2, 3].reduce((a, b) => a + b, 0));
 * console.log(total); // 6
 * ```
 */
export function region<T>(name: string, fn: () => T): T {
  if (typeof fn !== "function") {
    throw new SpmdError(`region: fn must be a function, got ${describe(fn)}`, "MPI_ERR_ARG");
  }
  if (typeof name !== "string" || name === "") {
    throw new SpmdError(`region: name must be a non-empty string, got ${describe(name)}`, "MPI_ERR_ARG");
  }
  traceBegin(name);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    traceEnd();
    throw e;
  }
  if (result instanceof Promise) return result.finally(traceEnd) as T;
  traceEnd();
  return result;
}

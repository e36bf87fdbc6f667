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
 * ends the innermost one. Regions nest. Without `--trace` or `--profile`
 * it only counts the open regions.
 *
 * @param name The region's name, shown in the trace and the profile.
 * @throws {SpmdError} `MPI_ERR_ARG` if `name` is not a non-empty string.
 *
 * @example
 * ```ts
 * import { traceBegin, traceEnd } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * traceBegin("compute");
 * let s = 0;
 * for (let i = 0; i < 1000; i++) s += i;
 * traceEnd();
 * equal(s, 499500);
 * ```
 */
export function traceBegin(name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new SpmdError(`traceBegin: name must be a non-empty string, got ${describe(name)}`, "MPI_ERR_ARG");
  }
  recorder()?.begin(name);
  open++;
}

/**
 * Ends the innermost region that {@linkcode traceBegin} started.
 *
 * @throws {SpmdError} `MPI_ERR_OTHER` if no region is open.
 *
 * @example
 * ```ts
 * import { traceBegin, traceEnd } from "@spmd/spmd";
 * import { throws } from "node:assert/strict";
 *
 * traceBegin("outer");
 * traceBegin("inner");
 * traceEnd(); // ends "inner"
 * traceEnd(); // ends "outer"
 * throws(() => traceEnd(), { code: "MPI_ERR_OTHER" });
 * ```
 */
export function traceEnd(): void {
  if (open === 0) throw new SpmdError("traceEnd: no region is open (call traceBegin first)", "MPI_ERR_OTHER");
  open--;
  recorder()?.end();
}

/**
 * Runs `fn` as a region named `name` and returns its result; when `fn`
 * returns a promise, the region ends when it settles.
 *
 * @param name The region's name.
 * @param fn The work; it may be async.
 * @returns What `fn` returns.
 * @throws {SpmdError} `MPI_ERR_ARG` if `fn` is not a function or `name` not a non-empty string; whatever `fn` throws.
 *
 * @example
 * ```ts
 * import { region } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * const total = region("compute", () => [1, 2, 3].reduce((a, b) => a + b, 0));
 * equal(total, 6);
 * equal(await region("io", () => Promise.resolve("done")), "done");
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

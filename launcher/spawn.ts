/**
 * {@linkcode spawn}: run a program as N ranks from inside another program.
 *
 * @module
 */

import { startJob } from "./job.ts";
import { traceOutputError } from "./_trace_path.ts";
import { formatFailure } from "./report.ts";
import type { JobResult } from "./result.ts";
import { resolve, toFileUrl } from "../_path.ts";
import { describe } from "../errors.ts";

/**
 * The URL of a module given as a URL, a URL string (`file:`, `https:`, ...)
 * or a file path (relative to the working directory, which may contain `#`,
 * `%` or spaces: a path is never parsed as a URL).
 */
function moduleHref(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(m)) return new URL(m).href;
  return toFileUrl(resolve(m)).href;
}

/**
 * Options of {@linkcode spawn}.
 *
 * @example
 * ```ts
 * import { spawn, type SpawnOptions } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * // A program that needs its argument (a data: URL, so the example is self-contained).
 * const program = `data:text/javascript,${encodeURIComponent('if (Deno.args[0] !== "7") throw new Error("no 7")')}`;
 * const options: SpawnOptions = { size: 2, args: ["7"], timeout: 60 };
 * equal(await spawn(program, options), undefined); // every rank returned
 * ```
 */
export interface SpawnOptions {
  /** Number of ranks. */
  size: number;
  /** `Deno.args` of every rank (default none). */
  args?: string[];
  /** Seconds before the job is stopped (default: none). */
  timeout?: number;
  /** Prefix every output line with the rank. */
  tagOutput?: boolean;
  /** Bound of each rank's unexpected-message queue in bytes (default 1 GiB). */
  unexpectedBytes?: number;
  /**
   * Limit of each rank's heap, from which `comm.alloc` allocates, in bytes
   * (default 1 GiB; 64 KiB to 1 TiB). Only address space is reserved:
   * memory is used as arrays are written.
   */
  heapBytes?: number;
  /**
   * Record a trace of every rank's calls and messages into this file:
   * `.json` for Perfetto/Chrome (ui.perfetto.dev), `.svg` for the timeline
   * drawn. Written even when the job fails.
   */
  trace?: string;
  /** Print an mpiP-style profile of the job to stderr when it ends. */
  profile?: boolean;
}

/**
 * Rejection of {@linkcode spawn}: names the failing rank and carries the
 * whole report (`result`); its message is the report a launcher prints.
 *
 * @example
 * ```ts
 * import { JobError, spawn } from "@spmd/spmd";
 * import { equal, ok, rejects } from "node:assert/strict";
 *
 * const program = `data:text/javascript,${encodeURIComponent('throw new Error("no input file")')}`;
 * await rejects(spawn(program, { size: 2, timeout: 60 }), (e) => {
 *   ok(e instanceof JobError);
 *   ok(e.rank === 0 || e.rank === 1); // the rank that failed first
 *   equal(e.code, 1); // the exit code a launcher would use
 *   ok(e.message.includes("no input file"));
 *   return true;
 * });
 * ```
 */
export class JobError extends Error {
  /** The failing rank, or -1 for a timeout. */
  readonly rank: number;
  /** The exit code a launcher would use. */
  readonly code: number;
  /** The job's full result. */
  readonly result: JobResult;
  /** Creates the rejection from a job result. */
  constructor(result: JobResult) {
    super(formatFailure(result));
    this.name = "JobError";
    this.rank = result.failure?.rank ?? -1;
    this.code = result.code;
    this.result = result;
  }
}

/**
 * Runs `moduleUrl` as `size` ranks and resolves once every rank has
 * returned; rejects with a {@linkcode JobError} naming the failing rank.
 *
 * A rank stuck in a busy loop (never calling spmd) cannot be stopped by
 * `Worker.terminate()` in Deno; the command-line launcher ends such ranks
 * with `Deno.exit`, which `spawn` cannot do for its caller.
 *
 * @param moduleUrl The program: a URL, a URL string (`file:`, `https:`, `data:`, ...) or a file path (relative to the working directory).
 * @param options The number of ranks (`size`) and the job's other options.
 * @returns A promise that resolves once every rank has returned.
 * @throws {JobError} (a rejection) when a rank throws, aborts or exits, the job deadlocks, or the timeout passes.
 * @throws {TypeError} (a rejection) if `moduleUrl` or an option is of the wrong type; {@linkcode RangeError} if `size`, `timeout` or `heapBytes` is out of range.
 *
 * @example
 * ```ts ignore
 * import { spawn } from "@spmd/spmd";
 * await spawn(new URL("./examples/hello.ts", import.meta.url), { size: 4 });
 * ```
 */
export async function spawn(
  moduleUrl: string | URL,
  options: SpawnOptions,
): Promise<void> {
  if (typeof moduleUrl !== "string" && !(moduleUrl instanceof URL)) {
    throw new TypeError(
      `spawn: moduleUrl must be a URL or string, got ${describe(moduleUrl)}`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `spawn: options must be an object like { size: 4 }, got ${describe(options)}`,
    );
  }
  if (options.trace !== undefined) {
    const why = traceOutputError(options.trace);
    if (why !== null) throw new TypeError(`spawn: trace ${why}`);
  }
  const url = moduleHref(moduleUrl);
  const traced = options.trace !== undefined || options.profile === true;
  const job = startJob({ ...options, trace: traced, module: url }, "spawn");
  const result = await job.done;
  if (traced) {
    const failed = result.ok ? undefined : formatFailure(result);
    const { writeTraceOutputs } = await import("./trace_out.ts"); // the writers load only when asked for
    const notes = writeTraceOutputs(options, { program: url, size: options.size, failed }, job.traces());
    if (!result.ok && result.failure !== null && notes.length > 0) {
      result.failure.message += `\n${notes.join("\n")}`;
    }
  }
  if (!result.ok) throw new JobError(result);
}

/**
 * How a job ended: the types the launcher, `spawn()` and the reports share.
 *
 * @module
 */

/**
 * How one rank ended: `"done"` (returned), `"error"` (threw), `"abort"`
 * (called `abort`), `"aborted"` (stopped because another rank failed),
 * `"exit"` (called `Deno.exit`), `"running"` (still running when the job
 * was stopped).
 *
 * @example
 * ```ts
 * import type { RankEnd } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * // One character per rank, as a progress line might show the ranks.
 * function marks(ends: readonly RankEnd[]): string {
 *   return ends.map((e) => (e === "done" ? "." : e === "running" ? "?" : "x")).join("");
 * }
 * equal(marks(["done", "error", "aborted", "running"]), ".xx?");
 * ```
 */
export type RankEnd =
  | "done"
  | "error"
  | "abort"
  | "aborted"
  | "exit"
  | "running";

/**
 * The first failure of a job.
 *
 * @example
 * ```ts
 * import type { JobFailure } from "@spmd/spmd";
 * import { equal } from "node:assert/strict";
 *
 * // A one-line account of a failure.
 * function oneLine(f: JobFailure): string {
 *   return f.rank < 0 ? `${f.kind}: ${f.message}` : `rank ${f.rank}: ${f.kind}: ${f.message}`;
 * }
 * const failure: JobFailure = { rank: 2, kind: "error", message: "no input file", stack: "" };
 * equal(oneLine(failure), "rank 2: error: no input file");
 * ```
 */
export interface JobFailure {
  /** The rank that failed, or -1 for a timeout. */
  rank: number;
  /** What happened. */
  kind: "error" | "abort" | "exit" | "timeout" | "stopped" | "deadlock" | "unreceived";
  /** The error message (or a description). */
  message: string;
  /** The stack, when there is one. */
  stack: string;
}

/**
 * The outcome of a job (a {@linkcode JobError}'s `result`).
 *
 * @example
 * ```ts
 * import { JobError, type JobResult, spawn } from "@spmd/spmd";
 * import { equal, ok } from "node:assert/strict";
 *
 * const program = `data:text/javascript,${encodeURIComponent('throw new Error("no input file")')}`;
 * let result: JobResult | null = null;
 * try {
 *   await spawn(program, { size: 2, timeout: 60 });
 * } catch (e) {
 *   if (e instanceof JobError) result = e.result;
 * }
 * equal(result?.ok, false);
 * equal(result?.failure?.kind, "error");
 * equal(result?.ends.length, 2); // one per rank
 * ok(result?.ends.includes("error"));
 * ```
 */
export interface JobResult {
  /** True when every rank returned. */
  ok: boolean;
  /** Exit code for a launcher: 0, the abort code (as given, even 0), the `Deno.exit` code, 124 for a timeout, else 1. */
  code: number;
  /** The first failure, when not ok. */
  failure: JobFailure | null;
  /** How each rank ended. */
  ends: RankEnd[];
  /** One line per other rank: what it was doing when the job was stopped. */
  activity: string[];
}

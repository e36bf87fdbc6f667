/**
 * How a job ended: the types the launcher, `spawn()` and the reports share.
 *
 * @module
 */

/** How one rank ended. */
export type RankEnd =
  | "done"
  | "error"
  | "abort"
  | "aborted"
  | "exit"
  | "running";

/** The first failure of a job. */
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

/** The outcome of a job. */
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

/**
 * What the trace writers (`json.ts`, `svg.ts`) are told about the job
 * besides the ranks' events.
 *
 * @module
 */

/** The job a trace belongs to. */
export interface TraceJob {
  /** The program's path or URL, as launched (the trace's process is named after it). */
  program: string;
  /** Number of ranks (one track or row each, traced or not). */
  size: number;
  /** The failure report, when the job failed: the trace then ends at the failure. */
  failed?: string;
  /** When the job started: ms since 1970 (the epoch the events' times count from). */
  startedAt?: number;
  /** The program's arguments. */
  args?: string[];
}

export type { RankTrace, TraceEvent } from "../transport/trace.ts";

/**
 * What a traced job leaves behind: `--trace FILE.json` (Perfetto/Chrome
 * trace events), `--trace FILE.svg` (the timeline drawn), and `--profile`
 * (an mpiP-style summary on stderr; with `--trace`, the communication
 * matrix as FILE.matrix.svg beside the trace). Written from the ranks'
 * trace buffers, which the launcher can read even when ranks failed or
 * hang, so a failed job leaves its trace up to the failure.
 *
 * @module
 */

import type { RankTrace } from "../transport/trace.ts";
import { writeTraceJson } from "../trace/json.ts";
import { renderTraceSvg } from "../trace/svg.ts";
import { commMatrixSvg, profileText } from "../trace/profile.ts";

/** What to write. */
export interface TraceOutput {
  /** Path of the trace: `.json` or `.svg`. */
  trace?: string;
  /** Print the profile summary to stderr. */
  profile?: boolean;
}

/**
 * Writes the trace and prints the profile of a finished (or failed) job;
 * returns the lines to add to a failure report (where the trace is).
 */
export function writeTraceOutputs(
  out: TraceOutput,
  job: { program: string; size: number; failed?: string },
  ranks: RankTrace[],
): string[] {
  const notes: string[] = [];
  if (out.profile) console.error(profileText({ program: job.program, size: job.size }, ranks));
  if (out.trace !== undefined) {
    if (/\.json$/i.test(out.trace)) writeTraceJson(out.trace, job, ranks);
    else Deno.writeTextFileSync(out.trace, renderTraceSvg(job, ranks));
    notes.push(`trace of the run up to here: ${out.trace}`);
    if (out.profile) {
      const matrix = out.trace.replace(/\.(json|svg)$/i, ".matrix.svg");
      Deno.writeTextFileSync(matrix, commMatrixSvg({ program: job.program, size: job.size }, ranks));
      notes.push(`communication matrix: ${matrix}`);
    }
  }
  return notes;
}

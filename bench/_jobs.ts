// One benchmark job at a time: starting a job stops the previous one, so
// idle ranks of an earlier group never compete for the cores.

import { Comm } from "../comm.ts";
import { type Job, startJob } from "../launcher/job.ts";

let current: { key: string; job: Job; comm: Comm } | null = null;

/** Rank 0's communicator of a job of `size` ranks running `module` (relative to bench/). */
export function hostJob(module: string, size: number, args: string[] = []): Comm {
  const key = `${module} ${size} ${args.join(" ")}`;
  if (current?.key === key) return current.comm;
  stopJobs();
  const job = startJob({ module: new URL(module, import.meta.url), size, args, host: true });
  current = { key, job, comm: new Comm({ transport: job.host!, context: 0 }) };
  return current.comm;
}

/** Stops the running benchmark job, if any. */
export function stopJobs(): void {
  if (current !== null) {
    current.job.stop(0, "benchmark done");
    current = null;
  }
}

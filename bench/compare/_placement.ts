/**
 * Where the machine has put two threads, told by a flag ping-pong between
 * two workers of this process. On the 2-vCPU virtual machines this runs on,
 * the same program measures ~0.05 µs one way when the two virtual cores
 * share a cache and ~0.3 µs when they do not, and the placement changes from
 * minute to minute: compare.ts measures it around every 2-rank job, so that
 * a table whose systems ran in different placements says so.
 *
 * @module
 */

/** One-way time, in µs, of a flag ping-pong between two threads: the lowest of 3 slices of `rounds` round trips. */
export async function placement(rounds = 100000): Promise<number> {
  const sab = new SharedArrayBuffer(256);
  const url = new URL("./_placement_worker.ts", import.meta.url);
  const workers = [0, 1].map(() => new Worker(url, { type: "module" }));
  try {
    const done = new Promise<number[]>((resolve, reject) => {
      workers[0].onmessage = (e: MessageEvent<number[]>) => resolve(e.data);
      workers[0].onerror = (e) => reject(e.error ?? new Error(e.message));
    });
    workers.forEach((w, me) => w.postMessage({ sab, me, rounds }));
    const times = await done;
    return Math.min(...times) * 1000;
  } finally {
    for (const w of workers) w.terminate();
  }
}

/**
 * Systems whose figures the placement moves, and whose jobs are run again to match the reference's placement
 * (postMessage's are tens of µs, spmd MPI's FFI-bound: not rerun, nor counted when a report warns of a mix).
 */
export const PLACEMENT_BOUND: ReadonlySet<string> = new Set(["spmd", "spmd alloc", "mpi4py", "C MPI"]);

/** "shared cache" below 0.15 µs one way, else "no shared cache". */
export function placementName(us: number): string {
  return us < 0.15 ? "shared cache" : "no shared cache";
}

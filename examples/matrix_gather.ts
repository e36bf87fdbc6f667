/**
 * The first picture of the course's MPI chapter: 7 ranks each compute
 * elements of a 4×5 matrix (3 elements each, the last rank 2), then gather
 * them into one matrix on rank 6, the last rank, which prints it.
 *
 * ```sh
 * deno run -A cli.ts -n 7 examples/matrix_gather.ts    # the course's 7 ranks
 * deno run -A examples/matrix_gather.ts                  # the same: runs itself as 7 ranks
 * deno run -A cli.ts -n 3 examples/matrix_gather.ts    # any number of ranks
 * ```
 *
 * The 20 elements, in row-major order, are split like `numpy.array_split`
 * (the first 20 mod size ranks get one element more). Rank r's j-th element
 * gets the value 100·r + j, so the gathered matrix shows who computed what.
 *
 * @module
 */

import { backend, JobError, region, spawn, world } from "../mod.ts";

const ROWS = 4;
const COLS = 5;
const N = ROWS * COLS;
const COURSE_RANKS = 7;
/** Milliseconds of work per element. */
const UNIT_MS = 2;

/** Half-open block [start, end) of rank r among `size` ranks, as numpy.array_split. */
function block(r: number, size: number): [number, number] {
  const q = Math.floor(N / size);
  const extra = N % size;
  const start = r * q + Math.min(r, extra);
  return [start, start + q + (r < extra ? 1 : 0)];
}

if (Deno.args.length > 0) {
  const text = `matrix_gather: takes no arguments, got "${Deno.args.join(" ")}"\n` +
    `usage: deno run -A cli.ts -n 7 examples/matrix_gather.ts`;
  if (import.meta.main) {
    console.error(text);
    Deno.exit(2);
  }
  world().abort(2, text);
}

if (import.meta.main && backend().name !== "mpi") {
  // Run plainly: become the course's 7 ranks (under mpiexec, the job's ranks are the ranks).
  try {
    await spawn(import.meta.url, { size: COURSE_RANKS });
  } catch (e) {
    console.error(e instanceof JobError ? e.message : e);
    Deno.exit(e instanceof JobError ? e.code : 1);
  }
} else {
  const comm = world();
  const { rank, size } = comm;
  const root = size - 1;

  // Ranks start one after another (each is a Web Worker that loads the
  // program); start the work together, as the course's picture does.
  comm.barrier();

  // "Compute" this rank's elements: one time unit (2 ms of work) each, so
  // that a trace (--trace t.svg) shows the course's picture.
  const [start, end] = block(rank, size);
  const mine: number[] = region("compute", () => {
    const out: number[] = [];
    for (let k = start; k < end; k++) {
      const until = performance.now() + UNIT_MS;
      while (performance.now() < until) { /* one time unit of work */ }
      out.push(100 * rank + (k - start));
    }
    return out;
  });

  const parts = region("gather", () => comm.gather(mine, root)); // on the root: one array per rank, in rank order

  if (rank === root) {
    const flat = parts!.flat();
    const steps = Math.max(...parts!.map((p) => p.length));
    console.log(
      `${size} rank${size === 1 ? "" : "s"} computed the ${N} elements of a ${ROWS}×${COLS} matrix ` +
        `(element j of rank r = 100·r + j), gathered on rank ${root}:\n`,
    );
    for (let i = 0; i < ROWS; i++) {
      console.log(flat.slice(i * COLS, (i + 1) * COLS).map((v) => String(v).padStart(5)).join(""));
    }
    console.log(`\ntime → one column per element computed ("·": waiting for the slowest rank)`);
    parts!.forEach((p, r) => {
      const [s, e] = block(r, size);
      const what = e === s ? "no elements" : e - s === 1 ? `element ${s}` : `elements ${s}–${e - 1}`;
      console.log(`rank ${String(r).padStart(2)}: ${"■".repeat(p.length)}${"·".repeat(steps - p.length)}  ${what}`);
    });
    console.log(
      `\n${steps} time units instead of ${N}: a speedup of ${(N / steps).toFixed(1)}× on ${size} ranks ` +
        `(at most ${size}×; the difference is load imbalance), not counting the gather.`,
    );
  }
}

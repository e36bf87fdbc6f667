/**
 * Schedules of the scatter example (examples/scatter/main.ts), as OpenMP
 * users know them (`--schedule static|dynamic|guided`):
 *
 * - **static**: rank r computes block r of `numpy.array_split` of the
 *   flattened grid ({@linkcode blockRange}) and the blocks are gathered
 *   (`gatherv`) onto the root, as in the original mpi4py code (main.ts's
 *   `solveStatic`);
 * - **dynamic**: chunks of `chunk` grid rows are handed out from a shared
 *   counter, a one-element `Int32Array` window on the root, with
 *   `fetchAndOp(1, root, 0, SUM)` (OpenMP's `schedule(dynamic, chunk)`): a
 *   rank that finishes early takes the next chunk instead of waiting;
 * - **guided**: the counter holds the next free row and a rank takes
 *   ⌈remaining / size⌉ rows but at least `chunk` (OpenMP's
 *   `schedule(guided, chunk)`), claimed with a `compareAndSwap` loop: big
 *   chunks first, small ones at the end.
 *
 * With dynamic and guided every rank writes its rows straight into a shared
 * field window whose only segment is the root's (the whole grid, `stride`
 * values per point); a `fence()` then makes them visible to the root. No
 * gather, no message.
 *
 * Every point is computed by the same call of the kernel whatever the
 * chunk it is in, so the field, and the checksum summed over it in global
 * index order, have the same bits for every schedule and rank count.
 *
 * @module
 */

import { type Comm, type SharedWindow, SUM, wtime } from "../../mod.ts";
import { computeInto, type Problem } from "./scatter_kernel.ts";

/** The schedules of `--schedule`. */
export type Schedule = "static" | "dynamic" | "guided";

/** Every schedule, in the order the usage text lists them. */
export const SCHEDULES: readonly Schedule[] = ["static", "dynamic", "guided"];

/**
 * Rows per chunk of the dynamic schedule when `--chunk` is not given. A row
 * of the default grid (129 points × 128 segments) takes about 1 ms on one
 * core, and taking a chunk from the counter some microseconds: 1 row per
 * chunk was the fastest of 1, 2, 4 and 8 at 2 and 3 ranks (see README).
 */
export const DEFAULT_DYNAMIC_CHUNK = 1;

/** The smallest chunk of the guided schedule when `--chunk` is not given (OpenMP's default). */
export const DEFAULT_GUIDED_CHUNK = 1;

/** What one rank did in the computation, for `--stats`. */
export interface RankWork {
  /** Grid points computed. */
  points: number;
  /** Chunks (blocks of rows, or the one array_split block) computed. */
  chunks: number;
  /** Seconds in the kernel. */
  compute: number;
  /** Seconds from the start of the clock to the end of this rank's last chunk. */
  finish: number;
}

/** What a schedule's solver returns; field and sum are null except on the root. */
export interface Solution {
  /**
   * The results on the grid (root only), `stride` values per point: re and
   * im of the total field, then |scattered|² with -checksum. For dynamic and
   * guided, the root's segment of the shared field window.
   */
  field: Float64Array | null;
  /** Values per point in `field`: 2, or 3 with -checksum. */
  stride: number;
  /** Σ |scattered|² summed in global index order (root only, with -checksum). */
  sum: number | null;
  /** This rank's Σ |scattered|² (0 without -checksum), summed over its points in index order. */
  partialSum: number;
  /** What this rank computed. */
  work: RankWork;
  /** The windows to free (collectively) once the root is done with `field`. */
  windows: SharedWindow[];
}

/** Runs `fn` inside a trace region when tracing phases, else plainly. */
export type Phase = <T>(name: string, fn: () => T) => T;

/**
 * Rows of the next guided chunk (OpenMP's `schedule(guided, min)`): the
 * remaining rows shared out among the ranks, ⌈remaining / size⌉, but at
 * least `min` and at most what remains.
 *
 * @param remaining rows not yet handed out (≥ 0)
 * @param size number of ranks (≥ 1)
 * @param min smallest chunk (≥ 1)
 * @returns the rows of the chunk (0 when none remain)
 */
export function guidedChunk(remaining: number, size: number, min: number): number {
  return Math.min(remaining, Math.max(min, Math.ceil(remaining / size)));
}

/**
 * Block of a `numpy.array_split(arange(n), size)` split: the first
 * `n % size` ranks get `ceil(n / size)` items, the others `floor(n / size)`,
 * in rank order, covering [0, n) without gaps or overlaps.
 *
 * @param n number of items (integer ≥ 0)
 * @param size number of ranks (integer ≥ 1)
 * @param rank this rank (integer, 0 ≤ rank < size)
 * @returns half-open index range [start, end) of this rank's block
 * @throws {RangeError} on invalid arguments
 */
export function blockRange(
  n: number,
  size: number,
  rank: number,
): { start: number; end: number } {
  checkInt("n", n, 0);
  checkInt("size", size, 1);
  checkInt("rank", rank, 0);
  if (rank >= size) {
    throw new RangeError(`rank must be < size (${size}), got ${rank}`);
  }
  const q = Math.floor(n / size);
  const r = n % size;
  const start = rank * q + Math.min(rank, r);
  return { start, end: start + q + (rank < r ? 1 : 0) };
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  }
}

/** The rows, chunk by chunk, that the schedule gives a rank: [start, end) pairs. */
interface RowSource {
  /** Claims the next chunk; false when every row has been handed out. */
  next(range: Int32Array): boolean;
}

/** Chunk c = rows [c·chunk, (c+1)·chunk): one fetchAndOp per chunk. */
function dynamicRows(counter: SharedWindow, root: number, rows: number, chunk: number): RowSource {
  return {
    next(range: Int32Array): boolean {
      const c = counter.fetchAndOp(1, root, 0, SUM) as number;
      const start = c * chunk; // c < 2^31 / chunk: at most `rows / chunk + size` tickets are taken
      if (start >= rows) return false;
      range[0] = start;
      range[1] = Math.min(start + chunk, rows);
      return true;
    },
  };
}

/** The counter holds the next free row; a chunk is claimed by compareAndSwap. */
function guidedRows(counter: SharedWindow, root: number, rows: number, size: number, min: number): RowSource {
  // The first guess at the counter; a failed compareAndSwap returns its value.
  let cur = 0;
  return {
    next(range: Int32Array): boolean {
      for (;;) {
        if (cur >= rows) return false;
        const take = guidedChunk(rows - cur, size, min);
        const prev = counter.compareAndSwap(cur + take, cur, root, 0) as number;
        if (prev === cur) {
          range[0] = cur;
          range[1] = cur + take;
          cur += take; // the next guess; another rank may have moved it on
          return true;
        }
        cur = prev;
      }
    },
  };
}

/**
 * Computes `problem` with the dynamic or guided schedule: chunks of grid
 * rows from a shared counter on `root`, each written straight into the
 * shared field window on `root`, then one `fence()`. Collective.
 *
 * @param comm the communicator
 * @param problem the grid to compute
 * @param schedule "dynamic" or "guided"
 * @param chunk rows per chunk (dynamic) or the smallest chunk (guided)
 * @param wantChecksum also store |scattered|² and sum it on the root
 * @param root the rank that holds the field
 * @param clockStart wtime() at the start of the clock, for `work.finish`
 * @param phase traces the phases
 * @returns the field and sum on the root; every rank's work
 */
export function solveShared(
  comm: Comm,
  problem: Problem,
  schedule: "dynamic" | "guided",
  chunk: number,
  wantChecksum: boolean,
  root: number,
  clockStart: number,
  phase: Phase,
): Solution {
  const { rank, size } = comm;
  const stride: 2 | 3 = wantChecksum ? 3 : 2;
  const { nx1, ny1 } = problem;
  const onRoot = rank === root;
  const counter = comm.allocateShared(Int32Array, onRoot ? 1 : 0);
  const fieldWin = comm.allocateShared(Float64Array, onRoot ? stride * problem.n : 0);
  const out = fieldWin.segment(root);
  const rows = schedule === "dynamic"
    ? dynamicRows(counter, root, ny1, chunk)
    : guidedRows(counter, root, ny1, size, chunk);

  const work: RankWork = { points: 0, chunks: 0, compute: 0, finish: 0 };
  const range = new Int32Array(2);
  let partialSum = 0;
  phase("compute", () => {
    counter.lockAll();
    while (rows.next(range)) {
      const start = range[0] * nx1, end = range[1] * nx1;
      const t = wtime();
      computeInto(problem, start, end, out, stride);
      work.compute += wtime() - t;
      if (wantChecksum) { for (let o = 3 * start + 2; o < 3 * end; o += 3) partialSum += out[o]; }
      work.points += end - start;
      work.chunks++;
    }
    counter.unlockAll();
    work.finish = wtime() - clockStart;
  });
  // The fence orders every rank's stores into the root's segment before the
  // root's loads that follow it.
  phase("fence", () => fieldWin.fence());

  let sum: number | null = null;
  if (wantChecksum && onRoot) {
    // As checksum() of the per-point values in global index order.
    sum = 0;
    for (let o = 2; o < out.length; o += 3) sum += out[o];
  }
  return {
    field: onRoot ? out : null,
    stride,
    sum,
    partialSum,
    work,
    windows: [counter, fieldWin],
  };
}

/** Formats seconds with 3 decimals. */
function sec(t: number): string {
  return t.toFixed(3);
}

/**
 * Prints, on the root, each rank's points, chunks, compute time and idle
 * time (from the end of its last chunk to the end of the slowest rank's),
 * a bar per rank, and the load imbalance: max/mean of the compute times.
 *
 * @param title the schedule, as the first line says it
 * @param works every rank's work, in rank order
 */
export function printStats(title: string, works: readonly RankWork[]): void {
  const times = works.map((w) => w.compute);
  const max = Math.max(...times);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const last = Math.max(...works.map((w) => w.finish));
  const width = 30;
  console.log(`schedule: ${title}`);
  console.log("rank   points  compute (s)  idle (s)  chunks");
  works.forEach((w, r) => {
    const bar = "█".repeat(Math.round((w.compute / max) * width)).padEnd(width, "·");
    console.log(
      `${String(r).padStart(4)} ${String(w.points).padStart(8)} ${sec(w.compute).padStart(12)} ${
        sec(last - w.finish).padStart(9)
      } ${String(w.chunks).padStart(7)}  ${bar}`,
    );
  });
  console.log(
    `load imbalance (max/mean): ${(max / mean).toFixed(3)} — ranks that finish early wait ` +
      `for the slowest (idle = its end − yours)`,
  );
}

/** The stats of one rank as numbers, to gather: [points, chunks, compute, finish]. */
export function workToArray(w: RankWork): Float64Array {
  return Float64Array.of(w.points, w.chunks, w.compute, w.finish);
}

/** The inverse of {@linkcode workToArray}. */
export function workFromArray(a: ArrayLike<number>): RankWork {
  return { points: a[0], chunks: a[1], compute: a[2], finish: a[3] };
}

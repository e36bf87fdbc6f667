/**
 * The flagship example: the wave-scattering code of the NeSI "Python
 * scatter" course (pletzer/scatter, `mpi/scatter.py`) as an spmd program.
 *
 * A plane wave hits an obstacle; every grid point sums the contributions of
 * the obstacle's contour segments (Hankel functions). By default (`--schedule
 * static`) each rank takes its block of the flattened grid (`numpy.array_split`
 * split), computes it, and the field is gathered (`gatherv`) onto the root,
 * rank size − 1, as in the original. `--schedule dynamic` and `guided` hand
 * out chunks of grid rows from a shared counter instead, and the ranks write
 * them straight into a shared field window on the root (./schedule.ts).
 *
 * ```sh
 * deno task scatter -n 4 -checksum                      # = deno run -A examples/scatter/main.ts -n 4 -checksum
 * deno run -A cli.ts -n 4 examples/scatter/main.ts -checksum --stats
 * deno run -A examples/scatter/main.ts -n 2 -nx 256 -ny 256 -save scatter.png
 * deno task scatter -n 3 -checksum --stats --schedule dynamic --chunk 2
 * ```
 *
 * Run plainly (`deno run`, a singleton of size 1), `-n N` re-launches the
 * program as N ranks with `spawn` and exits with the job's status; under the
 * launcher (`cli.ts -n N`) the ranks already exist and `-n`, if given, must
 * equal their number.
 *
 * Output, on the root: with `-checksum`, `Sum of scattered field
 * |amplitudes|^2: <value>` (the same bits for every rank count); with
 * `-save FILE`, a PNG of the real part of the total field; always the wall
 * time `Time: 0.213 s on 4 ranks`, from the start of the computation (all
 * ranks started and warmed up) to the end of the gather (or of the fence
 * after which the root reads the shared field); with `--stats`, each rank's
 * points, compute time, idle time and chunks, and the load imbalance
 * (max/mean).
 *
 * Bad usage exits with status 2 and names the bad flag.
 *
 * @module
 */

import { type Comm, JobError, region, spawn, SUM, world, wtime } from "../../mod.ts";
import { encodePng, renderField } from "./png.ts";
import { checksum, computeBlock, DEFAULT_PARAMS, insideMask, makeProblem, type Problem } from "./scatter_kernel.ts";
import {
  blockRange,
  DEFAULT_DYNAMIC_CHUNK,
  DEFAULT_GUIDED_CHUNK,
  type Phase,
  printStats,
  type Schedule,
  SCHEDULES,
  type Solution,
  solveShared,
  workFromArray,
  workToArray,
} from "./schedule.ts";

const USAGE = `Usage: deno run -A examples/scatter/main.ts [-n N] [options]
       deno run -A cli.ts -n N examples/scatter/main.ts [options]

Computes the field scattered by an obstacle (pletzer/scatter, mpi/scatter.py).

Options:
  -nx N          number of x cells (default ${DEFAULT_PARAMS.nx})
  -ny N          number of y cells (default ${DEFAULT_PARAMS.ny})
  -nc N          number of contour segments (default ${DEFAULT_PARAMS.nc})
  -lambda X      wavelength (default ${DEFAULT_PARAMS.lambda})
  -checksum      print the sum of |scattered field|^2 over the grid
  -save FILE     write the real part of the total field as a PNG image
  -zoom Z        PNG pixels per grid point (default: image at least 400 px)
  --schedule S   static (numpy.array_split blocks + gatherv, the default),
                 dynamic (chunks of rows from a shared counter, written into
                 a shared field on the root) or guided (chunks shrinking
                 from rows/ranks to --chunk), as OpenMP's schedule(S)
  --chunk N      rows per chunk of dynamic (default ${DEFAULT_DYNAMIC_CHUNK}), the smallest
                 chunk of guided (default ${DEFAULT_GUIDED_CHUNK})
  --stats        print each rank's points, compute and idle time, chunks,
                 and the load imbalance
  --no-warmup    time V8's compilation of the kernel too (by default each
                 rank first runs on a 32x32 grid, before the clock starts)
  -n N           number of ranks, when run without the launcher
  -h, --help     show this help`;

/** Parsed command line. */
interface Options {
  nx: number;
  ny: number;
  nc: number;
  lambda: number;
  checksum: boolean;
  save: string | null;
  zoom: number | null;
  stats: boolean;
  schedule: Schedule;
  /** Rows per chunk (dynamic) or the smallest chunk (guided); null when not given. */
  chunk: number | null;
  warmup: boolean;
  np: number | null;
  help: boolean;
  /** The arguments without `-n N`, for the re-launched ranks. */
  rest: string[];
}

type Kind = "count" | "number" | "file" | "flag" | "choice";

// Flags as in the original's argparse (single dash, multi-letter); a
// double dash is accepted too, and a value may follow as `-nx=64`.
const FLAGS: Record<string, Kind> = {
  nx: "count",
  ny: "count",
  nc: "count",
  lambda: "number",
  checksum: "flag",
  save: "file",
  zoom: "count",
  stats: "flag",
  schedule: "choice",
  chunk: "count",
  "no-warmup": "flag",
  n: "count",
  np: "count",
  h: "flag",
  help: "flag",
};

/** Parses `argv`; throws an Error whose message names the bad flag or value. */
function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    ...DEFAULT_PARAMS,
    checksum: false,
    save: null,
    zoom: null,
    stats: false,
    schedule: "static",
    chunk: null,
    warmup: true,
    np: null,
    help: false,
    rest: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--?([A-Za-z][A-Za-z-]*)(?:=(.*))?$/s.exec(arg);
    if (m === null) {
      throw new Error(arg.startsWith("-") ? `unknown option ${arg}` : `unexpected argument "${arg}"`);
    }
    const name = m[1];
    const kind = FLAGS[name];
    if (kind === undefined) throw new Error(`unknown option ${arg}`);
    const flag = arg.split("=")[0];
    let value = m[2];
    const start = i;
    if (kind === "flag") {
      if (value !== undefined) throw new Error(`${flag} takes no value, got "${arg}"`);
    } else if (value === undefined) {
      // A number may be negative ("-lambda -1" reaches the range check); a
      // file name may not start with a dash (that is the next option).
      const next = argv[i + 1];
      if (next === undefined || (kind !== "number" && kind !== "count" && next.startsWith("-") && next !== "-")) {
        throw new Error(`${flag} needs a value`);
      }
      value = next;
      i++;
    }
    switch (kind) {
      case "count": {
        const v = Number(value);
        if (!/^\s*\d+\s*$/.test(value!) || !Number.isSafeInteger(v) || v < 1) {
          throw new Error(`${flag} must be a positive integer, got "${value}"`);
        }
        if (name === "n" || name === "np") o.np = v;
        else if (name === "zoom") o.zoom = v;
        else if (name === "chunk") o.chunk = v;
        else o[name as "nx" | "ny" | "nc"] = v;
        break;
      }
      case "number": {
        const v = Number(value);
        if (value!.trim() === "" || !Number.isFinite(v) || v <= 0) {
          throw new Error(`${flag} must be a positive number, got "${value}"`);
        }
        o.lambda = v;
        break;
      }
      case "choice":
        if (!(SCHEDULES as readonly string[]).includes(value!)) {
          throw new Error(`${flag} must be one of ${SCHEDULES.join(", ")}, got "${value}"`);
        }
        o.schedule = value as Schedule;
        break;
      case "file":
        if (value === "") throw new Error(`${flag} needs a file name`);
        o.save = value!;
        break;
      case "flag":
        if (name === "checksum") o.checksum = true;
        else if (name === "stats") o.stats = true;
        else if (name === "no-warmup") o.warmup = false;
        else o.help = true;
        break;
    }
    if (name !== "n" && name !== "np") o.rest.push(...argv.slice(start, i + 1));
  }
  if (o.chunk !== null && o.schedule === "static") {
    throw new Error(
      `--chunk ${o.chunk} needs --schedule dynamic or guided (static splits the grid in one block per rank)`,
    );
  }
  // The grid is held whole on the root: refuse sizes that cannot fit.
  const points = (o.nx + 1) * (o.ny + 1);
  if (points > 50_000_000) {
    throw new Error(`-nx ${o.nx} -ny ${o.ny} gives ${points} grid points; at most 50000000 are supported`);
  }
  return o;
}

/** Formats seconds with 3 decimals. */
function sec(t: number): string {
  return t.toFixed(3);
}

// ---- command line -------------------------------------------------------------

// Under the launcher this module is imported by each rank's worker, so
// `import.meta.main` is false; run plainly, it is the main module.
const standalone = import.meta.main;

/** The parsed command line; on bad usage, exits with status 2 (every rank: the first abort is reported). */
function optionsOrExit(argv: readonly string[]): Options {
  try {
    return parseOptions(argv);
  } catch (e) {
    const text = `scatter: ${(e as Error).message}\n\n${USAGE}`;
    if (standalone) {
      console.error(text);
      Deno.exit(2);
    }
    return world().abort(2, text);
  }
}

const opts = optionsOrExit(Deno.args);

if (opts.help) {
  if (standalone || world().rank === 0) console.log(USAGE);
} else if (standalone && opts.np !== null && opts.np > 1) {
  // Re-launch this program as np ranks (what `deno task scatter -n 4` does).
  try {
    await spawn(import.meta.url, { size: opts.np, args: opts.rest });
  } catch (e) {
    if (e instanceof JobError) {
      console.error(e.message);
      Deno.exit(e.code);
    }
    if (e instanceof RangeError) {
      console.error(`scatter: -n: ${e.message}\n\n${USAGE}`);
      Deno.exit(2);
    }
    throw e;
  }
  Deno.exit(0);
} else {
  run(opts);
}

// ---- the rank program ---------------------------------------------------------

function run(o: Options): void {
  const comm = world();
  const { rank, size } = comm;
  if (o.np !== null && o.np !== size) {
    comm.abort(
      2,
      `scatter: -n ${o.np} does not match the ${size} ranks of this job; give the rank count to the launcher only\n\n${USAGE}`,
    );
  }
  const root = size - 1; // as in the original: the last rank is the root

  const problem = makeProblem({ nx: o.nx, ny: o.ny, nc: o.nc, lambda: o.lambda });
  if (o.warmup) {
    // V8 compiles the hot loops (the kernel's, and the packing and the
    // collectives') only after running them for a while, and every rank, a
    // Web Worker, compiles its own copy: some 30 ms of slow start per rank
    // at the defaults, the same with 1 rank or 8, which would cap the speedup
    // the clock shows. So each rank first computes a whole 32×32 grid, then
    // runs the pipeline on it, untimed (--no-warmup leaves this out). The
    // static schedule's one long kernel call is optimised as it runs, once
    // is enough; dynamic and guided make a short call per chunk, and V8
    // optimises a function fully only after many calls: without 8 passes
    // their first chunks ran some 10% slower (measured at 2 ranks).
    const small = makeProblem({ nx: 32, ny: 32, nc: Math.min(o.nc, 128), lambda: o.lambda });
    region("warm-up", () => {
      computeBlock(small, 0, small.n);
      for (let i = o.schedule === "static" ? 1 : 8; i > 0; i--) {
        const s = solve(comm, small, o, root, wtime(), false);
        for (const w of s.windows) w.free();
      }
    });
  }
  comm.barrier(); // start the clock when every rank is ready
  const t0 = wtime();
  const { field, stride, sum, partialSum, work, windows } = solve(comm, problem, o, root, t0);
  const wall = wtime() - t0;

  // The original also reduces the ranks' partial sums with MPI.SUM, and so
  // do we (after the clock: it only double-checks the checksum). Floating-
  // point addition is not associative, so that total depends on where the
  // blocks start and end and can change in the last bits with the rank
  // count. The printed checksum instead sums the per-point values on the
  // root in global index order (the kernel's checksum()): every point's
  // value is computed the same way whatever the split or the schedule, so
  // that sum has the same bits for any number of ranks.
  const reducedSum = o.checksum ? comm.reduce(partialSum, SUM, root) : null;
  const works = o.stats ? comm.gather(workToArray(work), root) : null;

  if (rank === root) {
    if (sum !== null) console.log(`Sum of scattered field |amplitudes|^2: ${sum}`);
    if (o.save !== null) savePng(o, problem, field!, stride, comm);
    const how = o.schedule === "static" ? "" : ` (${scheduleText(o)})`;
    console.log(`Time: ${sec(wall)} s on ${size} rank${size === 1 ? "" : "s"}${how}`);
    if (works !== null) {
      printStats(scheduleText(o), works.map(workFromArray));
      console.log(`(MPI.SUM reduce of the per-rank partial sums: ${reducedSum ?? "not computed without -checksum"})`);
    }
  }
  // Collective: the root is done with the shared field.
  for (const w of windows) w.free();
}

/** The schedule in words, for the time line and --stats. */
function scheduleText(o: Options): string {
  switch (o.schedule) {
    case "static":
      return "static, one numpy.array_split block per rank, gathered with gatherv";
    case "dynamic": {
      const c = o.chunk ?? DEFAULT_DYNAMIC_CHUNK;
      return `dynamic, chunks of ${c} row${c === 1 ? "" : "s"} from a shared counter`;
    }
    case "guided":
      return `guided, chunks of rows left/ranks but at least ${o.chunk ?? DEFAULT_GUIDED_CHUNK}`;
  }
}

/**
 * Computes `problem` with the schedule of `o` and brings the field to
 * `root`; `regions` marks the phases for a trace (`--trace`, `--profile`).
 */
function solve(comm: Comm, problem: Problem, o: Options, root: number, clockStart: number, regions = true): Solution {
  const phase: Phase = (name, fn) => regions ? region(name, fn) : fn();
  if (o.schedule === "static") return solveStatic(comm, problem, o.checksum, root, clockStart, phase);
  const chunk = o.chunk ?? (o.schedule === "dynamic" ? DEFAULT_DYNAMIC_CHUNK : DEFAULT_GUIDED_CHUNK);
  return solveShared(comm, problem, o.schedule, chunk, o.checksum, root, clockStart, phase);
}

/**
 * The static schedule: computes this rank's `numpy.array_split` block of
 * `problem` and gathers the results onto `root` with one gatherv.
 */
function solveStatic(
  comm: Comm,
  problem: Problem,
  wantChecksum: boolean,
  root: number,
  clockStart: number,
  phase: Phase,
): Solution {
  const { rank, size } = comm;
  // Every rank knows every block (numpy.array_split), hence the counts of gatherv.
  const counts: number[] = [];
  for (let r = 0; r < size; r++) {
    const b = blockRange(problem.n, size, r);
    counts.push(b.end - b.start);
  }
  const { start, end } = blockRange(problem.n, size, rank);

  const t0 = wtime();
  const block = phase("compute", () => computeBlock(problem, start, end));
  const t1 = wtime();
  const work = { points: end - start, chunks: 1, compute: t1 - t0, finish: t1 - clockStart };

  // One message per rank: the total field as complex numbers (re, im) and,
  // for the checksum, |scattered|², point by point, gathered in rank order
  // onto the root: the grid flattened k = j·nx1 + i. (Every collective
  // makes the ranks wait for each other once; one is enough here.)
  const stride = wantChecksum ? 3 : 2;
  const len = block.re.length;
  const mine = new Float64Array(stride * len);
  for (let k = 0; k < len; k++) {
    mine[stride * k] = block.re[k];
    mine[stride * k + 1] = block.im[k];
  }
  if (wantChecksum) { for (let k = 0; k < len; k++) mine[3 * k + 2] = block.scat2[k]; }
  const field = phase("gather", () => comm.gatherv(mine, counts.map((c) => stride * c), root));

  let sum: number | null = null;
  if (wantChecksum && field !== null) {
    const scat2 = new Float64Array(problem.n);
    for (let k = 0; k < problem.n; k++) scat2[k] = field[3 * k + 2];
    sum = checksum(scat2);
  }
  return { field, stride, sum, partialSum: wantChecksum ? checksum(block.scat2) : 0, work, windows: [] };
}

/** Writes the real part of the gathered total field as a PNG (on the root). */
function savePng(o: Options, p: Problem, field: Float64Array, stride: number, comm: Comm): void {
  const re = new Float64Array(p.n);
  for (let k = 0; k < p.n; k++) re[k] = field[stride * k];
  const zoom = o.zoom ?? Math.max(1, Math.ceil(400 / Math.max(p.nx1, p.ny1)));
  const image = renderField(re, p.nx1, p.ny1, { inside: insideMask(p), zoom });
  try {
    Deno.writeFileSync(o.save!, encodePng(image));
  } catch (e) {
    comm.abort(1, `scatter: -save: cannot write ${o.save}: ${(e as Error).message}`);
  }
  console.log(
    `Saved Re(total field) on the ${p.nx1}×${p.ny1} grid to ${o.save} (${image.width}×${image.height} px, ` +
      `colour scale ±${image.scale.toPrecision(3)})`,
  );
}

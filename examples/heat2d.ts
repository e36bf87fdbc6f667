/**
 * The course's second classic exercise: the 2-D heat equation on a grid
 * split over a Cartesian communicator, with halo exchange.
 *
 * ```sh
 * deno run -A cli.ts -n 4 examples/heat2d.ts             # 4 ranks, a 2×2 grid of blocks
 * deno run -A cli.ts -n 6 examples/heat2d.ts --nx 300 --ny 200 --iters 1000
 * deno run -A examples/heat2d.ts                         # the same: runs itself as 4 ranks
 * mpiexec -n 4 deno run -A examples/heat2d.ts           # 4 MPI processes (the MPI backend)
 * deno run -A examples/heat2d.ts --help
 * ```
 *
 * A plate of `nx` × `ny` points starts cold (0) with a hot square in the
 * middle (100); its edges are held at fixed temperatures (top 100, left 50,
 * right and bottom 0). Each iteration computes the whole new grid from the
 * old one (Jacobi style, an explicit step of the heat equation):
 *
 *     u'[i][j] = u[i][j] + α · (u[i−1][j] + u[i+1][j] + u[i][j−1] + u[i][j+1] − 4·u[i][j]),  α = 0.2
 *
 * The ranks form a 2-D grid of blocks: `computeDims(size, 2)` picks its
 * shape (as square as possible) and `createCart` makes the communicator.
 * Each rank owns one block of rows and columns plus a one-point "halo"
 * around it holding its neighbours' edge values. Before every iteration
 * the ranks exchange halos with `sendrecv`, along each dimension and both
 * ways, with the neighbours that `shift` names; at the plate's edges
 * `shift` gives `PROC_NULL`, so the same `sendrecv` does nothing and the
 * halo keeps the fixed edge temperature.
 *
 * At the end the blocks are gathered on rank 0, which runs the same code on
 * the whole plate as one block (the serial program) and compares: every
 * point computes the same floating-point operations in the same order
 * however the plate is split, so the two agree to the last bit. It prints
 * the largest difference (0) and a checksum, and fails (exit code 1) if
 * any point differs.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { backend, type CartComm, computeDims, JobError, spawn, world } from "../mod.ts";

const HELP = `heat2d: a 2-D heat-equation (Jacobi) stencil over a Cartesian grid of ranks, checked against a serial run

usage: deno run -A cli.ts -n RANKS examples/heat2d.ts [--nx N] [--ny N] [--iters N]
       deno run -A examples/heat2d.ts [options]      (runs itself as 4 ranks)

  --nx N      rows of the plate (default 240)
  --ny N      columns of the plate (default 180)
  --iters N   iterations (default 500)
  --help      this text`;

/** Diffusion number of the explicit step (stable up to 0.25). */
const ALPHA = 0.2;
const TOP = 100;
const LEFT = 50;
const HOT = 100;
const TAG_ROWS = 10;
const TAG_COLS = 11;
const PLAIN_RANKS = 4;

interface Options {
  nx: number;
  ny: number;
  iters: number;
  help: boolean;
}

/** The options, or the reason they are wrong. */
function options(args: string[]): Options | string {
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        nx: { type: "string", default: "240" },
        ny: { type: "string", default: "180" },
        iters: { type: "string", default: "500" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    return (e as Error).message;
  }
  const out = { nx: Number(v.nx), ny: Number(v.ny), iters: Number(v.iters), help: v.help };
  for (const k of ["nx", "ny", "iters"] as const) {
    if (!Number.isSafeInteger(out[k]) || out[k] < (k === "iters" ? 0 : 1)) {
      return `--${k} must be a ${k === "iters" ? "non-negative" : "positive"} integer, got "${v[k]}"`;
    }
  }
  return out;
}

/** Half-open range [start, end) of block `b` of `n` points split in `parts` (as numpy.array_split). */
function range(n: number, parts: number, b: number): [number, number] {
  const q = Math.floor(n / parts);
  const extra = n % parts;
  const start = b * q + Math.min(b, extra);
  return [start, start + q + (b < extra ? 1 : 0)];
}

/** One rank's block: rows [r0, r0 + h) and columns [c0, c0 + w) of the plate, with a halo of one point. */
interface Block {
  r0: number;
  c0: number;
  h: number;
  w: number;
  /** (h + 2) × (w + 2) values, row-major, halo included. */
  u: Float64Array;
}

/** Initial temperature of plate point (i, j); i = −1, nx, j = −1, ny are the fixed edges. */
function initial(i: number, j: number, nx: number, ny: number): number {
  if (i < 0) return TOP;
  if (j < 0) return i < nx ? LEFT : 0;
  if (i >= nx || j >= ny) return 0;
  const inRows = Math.abs(2 * i - (nx - 1)) <= nx / 4;
  const inCols = Math.abs(2 * j - (ny - 1)) <= ny / 4;
  return inRows && inCols ? HOT : 0;
}

function makeBlock(nx: number, ny: number, rows: [number, number], cols: [number, number]): Block {
  const [r0, r1] = rows;
  const [c0, c1] = cols;
  const h = r1 - r0;
  const w = c1 - c0;
  const W = w + 2;
  const u = new Float64Array((h + 2) * W);
  for (let i = 0; i < h + 2; i++) {
    for (let j = 0; j < W; j++) u[i * W + j] = initial(r0 + i - 1, c0 + j - 1, nx, ny);
  }
  return { r0, c0, h, w, u };
}

/**
 * `iters` Jacobi steps on block `b`; `exchange(u)` fills the halo of `u`
 * from the neighbours before each step (the serial run has none).
 */
function solve(b: Block, iters: number, exchange: (u: Float64Array) => void): Float64Array {
  const { h, w } = b;
  const W = w + 2;
  let u: Float64Array = b.u;
  let next: Float64Array = u.slice(); // same halo; the interior is overwritten
  for (let it = 0; it < iters; it++) {
    exchange(u);
    for (let i = 1; i <= h; i++) {
      const row = i * W;
      for (let j = 1; j <= w; j++) {
        const k = row + j;
        const c = u[k];
        next[k] = c + ALPHA * (u[k - W] + u[k + W] + u[k - 1] + u[k + 1] - 4 * c);
      }
    }
    [u, next] = [next, u];
  }
  return u;
}

/** The interior of a block, packed row by row. */
function interior(b: Block, u: Float64Array): Float64Array {
  const out = new Float64Array(b.h * b.w);
  for (let i = 0; i < b.h; i++) out.set(u.subarray((i + 1) * (b.w + 2) + 1, (i + 1) * (b.w + 2) + 1 + b.w), i * b.w);
  return out;
}

/** A halo exchange over `cart`: rows with the neighbours along dimension 0, columns along dimension 1. */
function halo(cart: CartComm, b: Block): (u: Float64Array) => void {
  const { h, w } = b;
  const W = w + 2;
  const [up, down] = cart.shift(0, 1);
  const [left, right] = cart.shift(1, 1);
  const colOut = new Float64Array(h);
  const put = (got: Float64Array | null, u: Float64Array, at: number, stride: number): void => {
    if (got === null) return; // PROC_NULL: a plate edge, whose halo keeps the fixed temperature
    for (let k = 0; k < got.length; k++) u[at + k * stride] = got[k];
  };
  const column = (u: Float64Array, j: number): Float64Array => {
    for (let i = 0; i < h; i++) colOut[i] = u[(i + 1) * W + j];
    return colOut;
  };
  return (u) => {
    // Last row down, top halo from above; first row up, bottom halo from below.
    put(cart.sendrecv(u.subarray(h * W + 1, h * W + 1 + w), down, TAG_ROWS, up, TAG_ROWS), u, 1, 1);
    put(cart.sendrecv(u.subarray(W + 1, W + 1 + w), up, TAG_ROWS, down, TAG_ROWS), u, (h + 1) * W + 1, 1);
    // Last column right, left halo from the left; first column left, right halo from the right.
    put(cart.sendrecv(column(u, w), right, TAG_COLS, left, TAG_COLS), u, W, W);
    put(cart.sendrecv(column(u, 1), left, TAG_COLS, right, TAG_COLS), u, W + w + 1, W);
  };
}

/** FNV-1a over the bytes of `a`, as 8 hex digits. */
function fnv(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let x = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i], 0x01000193);
  return (x >>> 0).toString(16).padStart(8, "0");
}

const opts = options(Deno.args);

// Run plainly (not as a rank of the launcher, nor of mpiexec): print the help, or become PLAIN_RANKS ranks.
if (import.meta.main && backend().name !== "mpi") {
  if (typeof opts === "string") {
    console.error(`heat2d: ${opts}\n\n${HELP}`);
    Deno.exit(2);
  }
  if (opts.help) {
    console.log(HELP);
    Deno.exit(0);
  }
  try {
    await spawn(import.meta.url, { size: PLAIN_RANKS, args: Deno.args });
  } catch (e) {
    console.error(e instanceof JobError ? e.message : e);
    Deno.exit(e instanceof JobError ? e.code : 1);
  }
} else {
  const comm = world();
  if (typeof opts === "string") {
    comm.abort(2, `heat2d: ${opts}\n\n${HELP}`);
  } else if (opts.help) {
    if (comm.rank === 0) console.log(HELP);
  } else {
    const { nx, ny, iters } = opts;
    const dims = computeDims(comm.size, 2);
    if (nx < dims[0] || ny < dims[1]) {
      comm.abort(
        2,
        `heat2d: a ${nx}×${ny} plate cannot be split into ${dims[0]}×${dims[1]} blocks of at least one point`,
      );
    }
    const cart = comm.createCart(dims)!; // every rank is in the grid: prod(dims) = size
    const [p, q] = cart.coords();
    const block = makeBlock(nx, ny, range(nx, dims[0], p), range(ny, dims[1], q));

    cart.barrier();
    const t0 = performance.now();
    const u = solve(block, iters, halo(cart, block));
    const ms = performance.now() - t0;

    const parts = cart.gather({ r0: block.r0, c0: block.c0, h: block.h, w: block.w, data: interior(block, u) });
    const slowest = cart.reduce(ms, (a, b) => Math.max(a, b));
    if (cart.rank === 0) {
      const plate = new Float64Array(nx * ny);
      for (const b of parts!) {
        for (let i = 0; i < b.h; i++) plate.set(b.data.subarray(i * b.w, (i + 1) * b.w), (b.r0 + i) * ny + b.c0);
      }
      // The serial program: the same code on the whole plate as one block, with no neighbours.
      const t1 = performance.now();
      const whole = makeBlock(nx, ny, [0, nx], [0, ny]);
      const serial = interior(whole, solve(whole, iters, () => {}));
      const serialMs = performance.now() - t1;

      let maxDiff = 0;
      let differ = 0;
      for (let k = 0; k < plate.length; k++) {
        if (!Object.is(plate[k], serial[k])) differ++;
        maxDiff = Math.max(maxDiff, Math.abs(plate[k] - serial[k]));
      }
      const sum = plate.reduce((a, x) => a + x, 0);
      console.log(
        `heat2d: ${nx}×${ny} plate, ${iters} iterations on ${comm.size} rank${comm.size === 1 ? "" : "s"} ` +
          `as a ${dims.join("×")} grid of blocks: ${slowest!.toFixed(0)} ms (serial on rank 0: ${
            serialMs.toFixed(0)
          } ms)`,
      );
      console.log(`max |parallel − serial| = ${maxDiff}, points that differ in any bit: ${differ}`);
      console.log(`checksum: sum ${sum.toFixed(9)}, fnv1a ${fnv(plate)} (serial ${fnv(serial)})`);
      if (differ !== 0) comm.abort(1, `heat2d: the parallel result differs from the serial one at ${differ} points`);
      console.log("equal to the serial run, to the last bit");
    }
  }
}

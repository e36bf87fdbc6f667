/**
 * Single-process numerical kernel of the wave-scattering example: a plane
 * wave exp(i k·x) hits a smooth blob-shaped obstacle and the scattered
 * field is computed on a regular grid by summing, over the segments of the
 * obstacle's contour, free-space Green's function contributions (Hankel
 * functions H0(1), H1(1)). This is a port of the computation that the NeSI
 * "Python scatter" course parallelises (see `shared/reference/scatter.md`
 * of the project for the exact formulas and reference checksums).
 *
 * Everything here is pure and message-free:
 * - {@linkcode makeProblem} builds the contour, the grid and per-segment
 *   tables once;
 * - {@linkcode computeBlock} evaluates the total field and |scattered|² on a
 *   contiguous range of flattened indices ({@linkcode computeInto}: the same
 *   values written into a field of the whole grid);
 * - {@linkcode checksum} sums |scattered|² in a fixed (global index) order,
 *   so the result does not depend on how the points were split.
 *
 * The value computed for a point depends only on the problem and the point,
 * never on the block it is computed in, so any split gives bit-identical
 * per-point values.
 *
 * @module
 */

import { besselJY01 } from "./bessel.ts";

/** Input parameters of the scattering problem (the original's flags). */
export interface ScatterParams {
  /** Number of grid cells in x (grid has nx + 1 points in x). */
  nx: number;
  /** Number of grid cells in y (grid has ny + 1 points in y). */
  ny: number;
  /** Number of contour segments of the obstacle. */
  nc: number;
  /** Wavelength λ of the incident wave; k = (2π/λ, 0). */
  lambda: number;
}

/** Default parameters of the original program: 128, 128, 128, λ = 0.5. */
export const DEFAULT_PARAMS: Readonly<ScatterParams> = Object.freeze({
  nx: 128,
  ny: 128,
  nc: 128,
  lambda: 0.5,
});

/**
 * Per-segment quantities, precomputed once (structure of arrays, one entry
 * per contour segment s from point s to point s + 1).
 */
export interface SegmentTable {
  /** Number of segments (= nc). */
  count: number;
  /** Mid point x. */
  mx: Float64Array;
  /** Mid point y. */
  my: Float64Array;
  /** Unit normal x, (−d_y, d_x)/|d| (points inwards). */
  nx: Float64Array;
  /** Unit normal y. */
  ny: Float64Array;
  /** Segment length L = |d|. */
  length: Float64Array;
  /** n·k. */
  nk: Float64Array;
  /** +1 if n·k > 0 (shadow side) else −1. */
  shadow: Float64Array;
  /** Re of A = (L·(n·k)/4)·exp(i k·m), the coefficient of H0(1). */
  aRe: Float64Array;
  /** Im of A. */
  aIm: Float64Array;
  /**
   * Re of C = −i·(shadow·L·|k|/4)·exp(i k·m); the coefficient of
   * ((n·r)/ρ)·H1(1).
   */
  cRe: Float64Array;
  /** Im of C. */
  cIm: Float64Array;
}

/** A fully set-up problem: parameters, contour, grid and segment tables. */
export interface Problem {
  /** The parameters the problem was made from. */
  params: Readonly<ScatterParams>;
  /** Grid points in x (nx + 1). */
  nx1: number;
  /** Grid points in y (ny + 1). */
  ny1: number;
  /** Total number of grid points N = nx1·ny1 (flattened k = j·nx1 + i). */
  n: number;
  /** Wave vector x component 2π/λ. */
  kx: number;
  /** Wave vector y component (0). */
  ky: number;
  /** |k| = 2π/λ. */
  kmod: number;
  /** Contour x coordinates, nc + 1 points, the last equal to the first. */
  xc: Float64Array;
  /** Contour y coordinates, nc + 1 points. */
  yc: Float64Array;
  /** Grid bounds: min(xc) − 5λ. */
  xmin: number;
  /** max(xc) + 3λ. */
  xmax: number;
  /** min(yc) − 3λ. */
  ymin: number;
  /** max(yc) + 4λ. */
  ymax: number;
  /** Grid x coordinates, linspace(xmin, xmax, nx1). */
  xg: Float64Array;
  /** Grid y coordinates, linspace(ymin, ymax, ny1). */
  yg: Float64Array;
  /** Precomputed per-segment quantities. */
  segments: SegmentTable;
}

/** Result of {@linkcode computeBlock} for flattened indices [start, end). */
export interface BlockResult {
  /** First flattened index (inclusive). */
  start: number;
  /** One past the last flattened index. */
  end: number;
  /** Re of the total field (incident + scattered), end − start values. */
  re: Float64Array;
  /** Im of the total field. */
  im: Float64Array;
  /** |scattered|² per point (0 inside the obstacle). */
  scat2: Float64Array;
}

/** Inside test threshold on the cross products (as in the original). */
const INSIDE_TOL = 1e-10;
/**
 * Segments whose mid point is closer than this (in units of k·ρ) to the
 * observation point are skipped: H0(1) is singular at ρ = 0.
 */
const KR_MIN = 1e-12;

/**
 * `numpy.linspace(start, stop, num)` with the end point included: value i
 * is `i * step + start` and the last value is exactly `stop`.
 */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  }
}

/**
 * Builds the problem: obstacle contour, grid and per-segment tables.
 *
 * @param params any subset of the parameters; missing ones take the
 *   defaults of {@linkcode DEFAULT_PARAMS}
 * @returns the problem description used by {@linkcode computeBlock}
 * @throws {RangeError} if nx, ny, nc are not positive integers or λ is not
 *   positive and finite
 */
export function makeProblem(params: Partial<ScatterParams> = {}): Problem {
  const p: ScatterParams = { ...DEFAULT_PARAMS, ...params };
  checkInt("nx", p.nx, 1);
  checkInt("ny", p.ny, 1);
  checkInt("nc", p.nc, 1);
  if (!(p.lambda > 0 && Number.isFinite(p.lambda))) {
    throw new RangeError(`lambda must be positive, got ${p.lambda}`);
  }
  const { nx, ny, nc, lambda } = p;
  const twoPi = 2 * Math.PI;
  const kmod = twoPi / lambda;
  const kx = kmod;
  const ky = 0;

  // Contour: t = linspace(0, 1, nc + 1).
  const t = linspace(0, 1, nc + 1);
  const xc = new Float64Array(nc + 1);
  const yc = new Float64Array(nc + 1);
  for (let j = 0; j <= nc; j++) {
    const a = twoPi * t[j];
    xc[j] = Math.cos(a + 0.5 * Math.sin(a + 0.9));
    yc[j] = Math.sin(a);
  }

  let xcMin = Infinity, xcMax = -Infinity, ycMin = Infinity, ycMax = -Infinity;
  for (let j = 0; j <= nc; j++) {
    if (xc[j] < xcMin) xcMin = xc[j];
    if (xc[j] > xcMax) xcMax = xc[j];
    if (yc[j] < ycMin) ycMin = yc[j];
    if (yc[j] > ycMax) ycMax = yc[j];
  }
  const xmin = xcMin - 5 * lambda;
  const xmax = xcMax + 3 * lambda;
  const ymin = ycMin - 3 * lambda;
  const ymax = ycMax + 4 * lambda;
  const nx1 = nx + 1;
  const ny1 = ny + 1;

  return {
    params: Object.freeze({ ...p }),
    nx1,
    ny1,
    n: nx1 * ny1,
    kx,
    ky,
    kmod,
    xc,
    yc,
    xmin,
    xmax,
    ymin,
    ymax,
    xg: linspace(xmin, xmax, nx1),
    yg: linspace(ymin, ymax, ny1),
    segments: makeSegments(xc, yc, kx, ky, kmod),
  };
}

function makeSegments(
  xc: Float64Array,
  yc: Float64Array,
  kx: number,
  ky: number,
  kmod: number,
): SegmentTable {
  const count = xc.length - 1;
  const f = () => new Float64Array(count);
  const s: SegmentTable = {
    count,
    mx: f(),
    my: f(),
    nx: f(),
    ny: f(),
    length: f(),
    nk: f(),
    shadow: f(),
    aRe: f(),
    aIm: f(),
    cRe: f(),
    cIm: f(),
  };
  for (let i = 0; i < count; i++) {
    const dx = xc[i + 1] - xc[i];
    const dy = yc[i + 1] - yc[i];
    const mx = 0.5 * (xc[i] + xc[i + 1]);
    const my = 0.5 * (yc[i] + yc[i + 1]);
    const len = Math.sqrt(dx * dx + dy * dy);
    const nx = -dy / len;
    const ny = dx / len;
    const nk = nx * kx + ny * ky;
    const shadow = nk > 0 ? 1 : -1;
    // exp(i k·m)
    const phase = kx * mx + ky * my;
    const eRe = Math.cos(phase);
    const eIm = Math.sin(phase);
    // term = −L·g·gradInc + shadow·L·dgdn·e
    //      = −L·(i/4)H0·i(n·k)e + shadow·L·(−i/4)H1·|k|·(n·r)/ρ·e
    //      = [L(n·k)/4 · e]·H0 + [−i·shadow·L·|k|/4 · e]·((n·r)/ρ)·H1
    const a = 0.25 * len * nk;
    const b = 0.25 * shadow * len * kmod;
    s.mx[i] = mx;
    s.my[i] = my;
    s.nx[i] = nx;
    s.ny[i] = ny;
    s.length[i] = len;
    s.nk[i] = nk;
    s.shadow[i] = shadow;
    s.aRe[i] = a * eRe;
    s.aIm[i] = a * eIm;
    // −i·b·(eRe + i·eIm) = b·eIm − i·b·eRe
    s.cRe[i] = b * eIm;
    s.cIm[i] = -b * eRe;
  }
  return s;
}

/**
 * Inside test of the original: point (px, py) is inside the contour iff
 * for every segment the cross product (c_s − p) × (c_{s+1} − p) exceeds
 * 1e-10.
 *
 * @param problem the problem (its contour is used)
 * @param px point x
 * @param py point y
 * @returns true if the point is inside the obstacle
 */
export function isInside(problem: Problem, px: number, py: number): boolean {
  const { xc, yc } = problem;
  const nseg = xc.length - 1;
  for (let s = 0; s < nseg; s++) {
    const ax = xc[s] - px;
    const ay = yc[s] - py;
    const bx = xc[s + 1] - px;
    const by = yc[s + 1] - py;
    if (!(ax * by - ay * bx > INSIDE_TOL)) return false;
  }
  return true;
}

/**
 * Inside mask of the whole grid, flattened like the field (k = j·nx1 + i).
 *
 * @param problem the problem
 * @returns 1 for grid points inside the obstacle, 0 outside
 */
export function insideMask(problem: Problem): Uint8Array {
  const { nx1, ny1, xg, yg } = problem;
  const mask = new Uint8Array(nx1 * ny1);
  for (let j = 0; j < ny1; j++) {
    for (let i = 0; i < nx1; i++) {
      mask[j * nx1 + i] = isInside(problem, xg[i], yg[j]) ? 1 : 0;
    }
  }
  return mask;
}

/**
 * Computes the total field (incident + scattered) and |scattered|² for the
 * flattened grid indices [start, end) (k = j·nx1 + i ↔ (xg[i], yg[j])).
 * Points inside the obstacle get total = 0 and scattered = 0. Segments
 * whose mid point coincides with the point (k·ρ < 1e-12, where H0(1) is
 * singular) contribute nothing.
 *
 * @param problem from {@linkcode makeProblem}
 * @param start first flattened index (inclusive), 0 ≤ start ≤ end
 * @param end one past the last flattened index, end ≤ problem.n
 * @returns the field of the block (arrays of length end − start)
 * @throws {RangeError} if the range is invalid
 */
export function computeBlock(problem: Problem, start: number, end: number): BlockResult {
  checkRange(problem, start, end);
  const count = end - start;
  const re = new Float64Array(count);
  const im = new Float64Array(count);
  const scat2 = new Float64Array(count);
  fill(problem, start, end, re, 0, im, 0, scat2, 0, 1);
  return { start, end, re, im, scat2 };
}

/**
 * {@linkcode computeBlock}'s values (the same bits) for the flattened
 * indices [start, end), written without allocation into `out`, the field of
 * the whole grid: out[stride·k] = Re(total), out[stride·k + 1] = Im(total),
 * and when stride is 3, out[stride·k + 2] = |scattered|².
 *
 * @param problem from {@linkcode makeProblem}
 * @param start first flattened index (inclusive), 0 ≤ start ≤ end
 * @param end one past the last flattened index, end ≤ problem.n
 * @param out the field of the whole grid, at least stride·end values
 * @param stride 2 (total field) or 3 (and |scattered|²)
 * @throws {RangeError} if the range, the stride or out's length is invalid
 */
export function computeInto(problem: Problem, start: number, end: number, out: Float64Array, stride: 2 | 3): void {
  checkRange(problem, start, end);
  if (stride !== 2 && stride !== 3) throw new RangeError(`stride must be 2 or 3, got ${stride}`);
  if (out.length < stride * end) {
    throw new RangeError(`out must hold ${stride * end} values (stride ${stride}, end ${end}), got ${out.length}`);
  }
  const at = stride * start;
  fill(problem, start, end, out, at, out, at + 1, stride === 3 ? out : null, at + 2, stride);
}

function checkRange(problem: Problem, start: number, end: number): void {
  checkInt("start", start, 0);
  checkInt("end", end, start);
  if (end > problem.n) throw new RangeError(`end must be <= ${problem.n}, got ${end}`);
}

/**
 * The kernel behind {@linkcode computeBlock} and {@linkcode computeInto}:
 * point start + o goes to re[reAt + o·step], im[imAt + o·step] and, unless
 * scat2 is null, scat2[s2At + o·step].
 */
function fill(
  problem: Problem,
  start: number,
  end: number,
  re: Float64Array,
  reAt: number,
  im: Float64Array,
  imAt: number,
  scat2: Float64Array | null,
  s2At: number,
  step: number,
): void {
  const { nx1, xg, yg, kx, ky, kmod, segments: seg } = problem;
  const nseg = seg.count;
  const { mx, my, nx, ny, aRe, aIm, cRe, cIm } = seg;
  const h = new Float64Array(4);

  for (let idx = start; idx < end; idx++) {
    const j = Math.floor(idx / nx1);
    const px = xg[idx - j * nx1];
    const py = yg[j];
    const o = (idx - start) * step;
    if (isInside(problem, px, py)) {
      re[reAt + o] = 0;
      im[imAt + o] = 0;
      if (scat2 !== null) scat2[s2At + o] = 0;
      continue;
    }

    let sRe = 0;
    let sIm = 0;
    for (let s = 0; s < nseg; s++) {
      const rx = px - mx[s];
      const ry = py - my[s];
      const rho = Math.sqrt(rx * rx + ry * ry);
      const kr = kmod * rho;
      if (!(kr >= KR_MIN)) continue;
      besselJY01(kr, h);
      const j0 = h[0], y0 = h[1], j1 = h[2], y1 = h[3];
      const f = (nx[s] * rx + ny[s] * ry) / rho;
      const ar = aRe[s], ai = aIm[s];
      const cr = f * cRe[s], ci = f * cIm[s];
      sRe += ar * j0 - ai * y0 + cr * j1 - ci * y1;
      sIm += ar * y0 + ai * j0 + cr * y1 + ci * j1;
    }
    const phase = kx * px + ky * py;
    re[reAt + o] = Math.cos(phase) + sRe;
    im[imAt + o] = Math.sin(phase) + sIm;
    if (scat2 !== null) scat2[s2At + o] = sRe * sRe + sIm * sIm;
  }
}

/**
 * Checksum of the original program: Σ |scattered|² over all points, summed
 * in double precision strictly left to right (global index order), so the
 * same per-point values always give the same bits whatever the split.
 *
 * @param scat2 |scattered|² per point in global flattened order
 * @returns the sum
 */
export function checksum(scat2: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < scat2.length; i++) sum += scat2[i];
  return sum;
}

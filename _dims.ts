// computeDims (MPI_Dims_create): the most balanced grid shape for a number
// of ranks, with the choices MPICH makes.

import { describe, SpmdError } from "./errors.ts";

/** True for a safe integer ≥ `min`. */
export function isCount(n: unknown, min: number): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= min;
}

/** Whether `a` is a better shape than `b`: a smaller spread (largest − smallest), then larger from the smallest up. */
function better(a: readonly number[], b: readonly number[]): boolean {
  const k = a.length;
  const d = (a[0] - a[k - 1]) - (b[0] - b[k - 1]);
  if (d !== 0) return d < 0;
  for (let i = k - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/**
 * The best split of `n` into `k` factors: the smallest difference between
 * the largest and the smallest, then the larger smallest factors (the
 * choices MPICH's MPI_Dims_create makes); non-increasing.
 */
function balanced(n: number, k: number): number[] {
  if (k === 0) return [];
  let best: number[] | null = null;
  const cur: number[] = [];
  const divisors: number[] = []; // of n, largest first
  const small: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    small.push(d);
    if (d * d !== n) divisors.push(n / d);
  }
  divisors.push(...small.reverse());
  const walk = (rest: number, left: number, maxF: number): void => {
    if (left === 1) {
      if (rest > maxF) return;
      cur.push(rest);
      if (best === null || better(cur, best)) best = [...cur];
      cur.pop();
      return;
    }
    // The largest remaining factor is at least the left-th root of rest.
    const lo = Math.ceil(Math.pow(rest, 1 / left) - 1e-9);
    for (const f of divisors) {
      if (f < lo) break;
      if (f > maxF || rest % f !== 0) continue;
      cur.push(f);
      walk(rest / f, left - 1, f);
      cur.pop();
    }
  };
  walk(n, k, n);
  return best!;
}

/**
 * A grid shape for `nnodes` ranks in `ndims` dimensions, as square as
 * possible, in non-increasing order (MPI_Dims_create). `ndims` may also be
 * an array of dimensions in which positive entries are kept and zeros are
 * filled in (their product must divide `nnodes`).
 *
 * @param nnodes The number of ranks.
 * @param ndims The number of dimensions, or dimensions with zeros to fill in.
 * @returns The number of ranks along each dimension; their product is `nnodes`.
 * @throws {SpmdError} `MPI_ERR_ARG` if `nnodes` is not a positive integer; `MPI_ERR_DIMS` if `ndims` is not a count or an array of non-negative integers, or its fixed entries do not divide `nnodes`.
 *
 * @example
 * ```ts
 * import { computeDims } from "@spmd/spmd";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(computeDims(6, 2), [3, 2]);
 * deepEqual(computeDims(12, [0, 2, 0]), [3, 2, 2]);
 * ```
 */
export function computeDims(nnodes: number, ndims: number | readonly number[]): number[] {
  if (!isCount(nnodes, 1)) {
    throw new SpmdError(`computeDims: nnodes must be a positive integer, got ${describe(nnodes)}`, "MPI_ERR_ARG");
  }
  let dims: number[];
  if (typeof ndims === "number") {
    if (!isCount(ndims, 0)) {
      throw new SpmdError(`computeDims: ndims must be an integer ≥ 0, got ${describe(ndims)}`, "MPI_ERR_DIMS");
    }
    dims = new Array(ndims).fill(0);
  } else if (Array.isArray(ndims) && ndims.every((d) => isCount(d, 0))) {
    dims = [...ndims];
  } else {
    throw new SpmdError(
      `computeDims: ndims must be a count or an array of integers ≥ 0 (0: free), got ${describe(ndims)}`,
      "MPI_ERR_DIMS",
    );
  }
  const fixed = dims.reduce((a, d) => (d > 0 ? a * d : a), 1);
  const free = dims.filter((d) => d === 0).length;
  if (nnodes % fixed !== 0 || (free === 0 && fixed !== nnodes)) {
    throw new SpmdError(
      `computeDims: the fixed dimensions ${JSON.stringify(dims)} (product ${fixed}) ` +
        `do not ${free === 0 ? "make" : "divide"} nnodes = ${nnodes}`,
      "MPI_ERR_DIMS",
    );
  }
  const fill = balanced(nnodes / fixed, free);
  let i = 0;
  return dims.map((d) => (d > 0 ? d : fill[i++]));
}

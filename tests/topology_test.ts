// Topologies (issue 14, point 6): computeDims against MPICH's answers and
// against a brute-force search, tests/programs/topology.ts (Cartesian grids,
// sub-grids, splitType, distributed graphs, bad input) at 1, 2, 3, 4, 6 and
// 7 ranks, and examples/heat2d.ts equal to its serial run at 1, 4 and 6.
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { computeDims } from "../mod.ts";
import { cli, run } from "./_util.ts";

// What MPICH 4.0's MPI_Dims_create returns (checked against it for every
// nnodes ≤ 600 in 1 to 5 dimensions when this was written; these are the
// cases where a simpler rule, such as the lexicographically smallest of the
// most balanced shapes or Open MPI's greedy prime split, answers otherwise,
// and some large ones).
const MPICH: [number, number | number[], number[]][] = [
  [6, 2, [3, 2]],
  [7, 2, [7, 1]],
  [6, 3, [3, 2, 1]],
  [12, 2, [4, 3]],
  [16, 3, [4, 2, 2]],
  [24, 3, [4, 3, 2]],
  [8, 3, [2, 2, 2]],
  [1, 3, [1, 1, 1]],
  [20, 4, [5, 2, 2, 1]],
  [99, 4, [11, 3, 3, 1]],
  [360, 3, [10, 6, 6]],
  [1048576, 3, [128, 128, 64]],
  [1000000, 4, [40, 40, 25, 25]],
  [720720, 2, [858, 840]],
  [720720, 3, [91, 90, 88]],
  [720720, 4, [33, 30, 28, 26]],
  [999983, 3, [999983, 1, 1]],
  [1073741824, 4, [256, 256, 128, 128]],
  // Fixed entries (positive) are kept, zeros filled in.
  [6, [0, 3, 0], [2, 3, 1]],
  [12, [0, 2, 0], [3, 2, 2]],
  [48, [2, 0, 0, 0], [2, 4, 3, 2]],
  [60, [0, 0, 5], [4, 3, 5]],
  [64, [0, 4, 0, 0], [4, 4, 2, 2]],
  [36, [1, 0, 0], [1, 6, 6]],
  [24, [0, 4], [6, 4]],
  [7, [7, 0], [7, 1]],
  [6, [2, 3], [2, 3]],
  [1, 0, []],
];

Deno.test("computeDims: MPICH's answers", () => {
  for (const [n, d, want] of MPICH) deepEqual(computeDims(n, d), want, `computeDims(${n}, ${JSON.stringify(d)})`);
});

/** Every non-increasing way to write n as k factors. */
function shapes(n: number, k: number, max = n): number[][] {
  if (k === 0) return n === 1 ? [[]] : [];
  const out: number[][] = [];
  for (let f = Math.min(n, max); f >= 1; f--) {
    if (n % f === 0) { for (const rest of shapes(n / f, k - 1, f)) out.push([f, ...rest]); }
  }
  return out;
}

Deno.test("computeDims: product, non-increasing, and the most balanced shape there is (n ≤ 150, 1-4 dims)", () => {
  for (let n = 1; n <= 150; n++) {
    for (let k = 1; k <= 4; k++) {
      const d = computeDims(n, k);
      equal(d.length, k);
      equal(d.reduce((a, b) => a * b, 1), n);
      ok(d.every((x, i) => i === 0 || x <= d[i - 1]), `${n}, ${k}: ${d} not non-increasing`);
      const best = Math.min(...shapes(n, k).map((s) => s[0] - s[k - 1]));
      equal(d[0] - d[k - 1], best, `computeDims(${n}, ${k}) = ${d}: a shape with spread ${best} exists`);
    }
  }
  // With fixed entries: they stay, the free ones are what computeDims gives for the rest.
  const d = computeDims(72, [0, 3, 0, 0]);
  equal(d[1], 3);
  deepEqual([d[0], d[2], d[3]], computeDims(24, 3));
});

Deno.test("computeDims: bad input names the call and the value", () => {
  throws(() => computeDims(0, 2), /^SpmdError: computeDims: nnodes must be a positive integer, got 0$/);
  throws(() => computeDims(2.5, 2), /^SpmdError: computeDims: nnodes must be a positive integer, got 2\.5$/);
  throws(() => computeDims(4, -1), /^SpmdError: computeDims: ndims must be an integer ≥ 0, got -1$/);
  throws(() => computeDims(4, "2" as unknown as number), /^SpmdError: computeDims: ndims must be .* got "2"$/);
  throws(() => computeDims(4, [0, -1]), /^SpmdError: computeDims: ndims must be a count or an array of integers ≥ 0/);
  throws(
    () => computeDims(7, [0, 3, 0]),
    /^SpmdError: computeDims: the fixed dimensions \[0,3,0\] \(product 3\) do not divide nnodes = 7$/,
  );
  throws(
    () => computeDims(6, [2, 2]),
    /^SpmdError: computeDims: the fixed dimensions \[2,2\] \(product 4\) do not make nnodes = 6$/,
  );
  throws(() => computeDims(6, 0), /do not make nnodes = 6/);
});

for (const n of [1, 2, 3, 4, 6, 7]) {
  Deno.test(`topologies at ${n} rank${n === 1 ? "" : "s"}: Cartesian grids, sub-grids, splitType, graphs`, async () => {
    await run("topology.ts", n);
  });
}

for (const n of [1, 4, 6]) {
  Deno.test(`examples/heat2d.ts at ${n} rank${n === 1 ? "" : "s"} equals its serial run to the last bit`, async () => {
    const r = await cli(["-n", String(n), "examples/heat2d.ts", "--nx", "61", "--ny", "47", "--iters", "120"], 120);
    equal(r.code, 0, r.stdout + r.stderr);
    match(r.stdout, /max \|parallel − serial\| = 0, points that differ in any bit: 0\n/);
    const sums = /fnv1a ([0-9a-f]{8}) \(serial ([0-9a-f]{8})\)/.exec(r.stdout)!;
    equal(sums[1], sums[2]);
    match(r.stdout, /equal to the serial run, to the last bit/);
  });
}

Deno.test("examples/heat2d.ts: --help, and bad options named", async () => {
  const help = await cli(["-n", "2", "examples/heat2d.ts", "--help"]);
  equal(help.code, 0);
  match(help.stdout, /^heat2d: a 2-D heat-equation \(Jacobi\) stencil/);
  const bad = await cli(["-n", "2", "examples/heat2d.ts", "--iters", "x"]);
  equal(bad.code, 2);
  match(bad.stderr, /--iters must be a non-negative integer, got "x"/);
});

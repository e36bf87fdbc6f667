/**
 * Tests of examples/scatter/scatter_kernel.ts: reference checksums of the
 * original program (shared/reference/scatter.md), numpy.array_split
 * semantics of blockRange (schedule.ts), and split-independence of
 * computeBlock and computeInto.
 */

import assert from "node:assert/strict";
import {
  checksum,
  computeBlock,
  computeInto,
  DEFAULT_PARAMS,
  insideMask,
  isInside,
  makeProblem,
  type Problem,
} from "../../examples/scatter/scatter_kernel.ts";
import { blockRange } from "../../examples/scatter/schedule.ts";

function relErr(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

function fullChecksum(p: Problem): number {
  return checksum(computeBlock(p, 0, p.n).scat2);
}

Deno.test("checksum 64/64/64 matches the original (1e-6 relative)", () => {
  const p = makeProblem({ nx: 64, ny: 64, nc: 64, lambda: 0.5 });
  const got = fullChecksum(p);
  const want = 1187.603271484375;
  assert.ok(relErr(got, want) < 1e-6, `checksum ${got} vs ${want}`);
});

Deno.test("checksum 128/128/128 (defaults) matches the original", () => {
  const p = makeProblem();
  assert.deepEqual(p.params, DEFAULT_PARAMS);
  const got = fullChecksum(p);
  const want = 4686.33935546875;
  assert.ok(relErr(got, want) < 1e-6, `checksum ${got} vs ${want}`);
});

Deno.test("problem set-up: contour, grid, sizes", () => {
  const p = makeProblem({ nx: 10, ny: 7, nc: 16, lambda: 0.25 });
  assert.equal(p.nx1, 11);
  assert.equal(p.ny1, 8);
  assert.equal(p.n, 88);
  assert.equal(p.xc.length, 17);
  assert.equal(p.segments.count, 16);
  assert.equal(p.kmod, 2 * Math.PI / 0.25);
  assert.equal(p.kx, p.kmod);
  assert.equal(p.ky, 0);
  // t = 0: x = cos(0.5 sin 0.9), y = 0; the contour closes.
  assert.equal(p.xc[0], Math.cos(0.5 * Math.sin(0.9)));
  assert.equal(p.yc[0], 0);
  assert.ok(Math.abs(p.xc[16] - p.xc[0]) < 1e-15);
  assert.ok(Math.abs(p.yc[16] - p.yc[0]) < 1e-15);
  // Grid bounds and linspace end points.
  assert.equal(p.xmin, Math.min(...p.xc) - 5 * 0.25);
  assert.equal(p.xmax, Math.max(...p.xc) + 3 * 0.25);
  assert.equal(p.ymin, Math.min(...p.yc) - 3 * 0.25);
  assert.equal(p.ymax, Math.max(...p.yc) + 4 * 0.25);
  assert.equal(p.xg[0], p.xmin);
  assert.equal(p.xg[10], p.xmax);
  assert.equal(p.yg[0], p.ymin);
  assert.equal(p.yg[7], p.ymax);
  // Normals point inwards (anticlockwise contour: towards the centre).
  const s = p.segments;
  for (let i = 0; i < s.count; i++) {
    assert.ok(s.nx[i] * -s.mx[i] + s.ny[i] * -s.my[i] > 0);
    assert.ok(Math.abs(Math.hypot(s.nx[i], s.ny[i]) - 1) < 1e-15);
    assert.equal(s.shadow[i], s.nk[i] > 0 ? 1 : -1);
  }
  assert.throws(() => makeProblem({ nx: 0 }), RangeError);
  assert.throws(() => makeProblem({ nc: 2.5 }), RangeError);
  assert.throws(() => makeProblem({ lambda: -1 }), RangeError);
});

Deno.test("inside test: centre inside, far points outside, grid counts", () => {
  const p = makeProblem({ nx: 64, ny: 64, nc: 64 });
  assert.ok(isInside(p, 0, 0));
  assert.ok(!isInside(p, 2, 0));
  assert.ok(!isInside(p, 0, -1.5));
  // Counts from an independent vectorised numpy port of scatter.md.
  const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
  assert.equal(count(insideMask(p)), 360);
  assert.equal(count(insideMask(makeProblem())), 1450);
});

Deno.test("blockRange has numpy.array_split semantics", () => {
  // numpy.array_split(arange(10), 3) -> sizes 4, 3, 3.
  assert.deepEqual(
    [0, 1, 2].map((r) => blockRange(10, 3, r)),
    [{ start: 0, end: 4 }, { start: 4, end: 7 }, { start: 7, end: 10 }],
  );
  // More ranks than items: 2 items over 4 ranks -> 1, 1, 0, 0.
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => blockRange(2, 4, r)),
    [
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 2 },
      { start: 2, end: 2 },
    ],
  );
  for (let n = 0; n <= 60; n++) {
    for (let size = 1; size <= 13; size++) {
      let next = 0;
      for (let rank = 0; rank < size; rank++) {
        const { start, end } = blockRange(n, size, rank);
        assert.equal(start, next, `contiguous n=${n} size=${size}`);
        const len = end - start;
        const want = rank < n % size ? Math.ceil(n / size) : Math.floor(n / size);
        assert.equal(len, want, `size of block ${rank} n=${n} size=${size}`);
        next = end;
      }
      assert.equal(next, n, `covers [0, ${n}) with ${size} ranks`);
    }
  }
  // Large N like the default grid.
  const n = 129 * 129;
  for (const size of [1, 2, 3, 7, 64, 1000]) {
    let total = 0;
    for (let r = 0; r < size; r++) {
      const { start, end } = blockRange(n, size, r);
      total += end - start;
    }
    assert.equal(total, n);
  }
  assert.throws(() => blockRange(10, 0, 0), RangeError);
  assert.throws(() => blockRange(10, 3, 3), RangeError);
  assert.throws(() => blockRange(-1, 3, 0), RangeError);
  assert.throws(() => blockRange(10, 3, 1.5), RangeError);
});

Deno.test("split computation is bit-identical to one block", () => {
  const p = makeProblem({ nx: 40, ny: 30, nc: 48 });
  const whole = computeBlock(p, 0, p.n);
  assert.equal(whole.re.length, p.n);
  for (const size of [2, 3, 7, 16]) {
    const re = new Float64Array(p.n);
    const im = new Float64Array(p.n);
    const s2 = new Float64Array(p.n);
    for (let r = 0; r < size; r++) {
      const { start, end } = blockRange(p.n, size, r);
      const b = computeBlock(p, start, end);
      assert.equal(b.start, start);
      assert.equal(b.end, end);
      re.set(b.re, start);
      im.set(b.im, start);
      s2.set(b.scat2, start);
    }
    for (let k = 0; k < p.n; k++) {
      assert.ok(Object.is(re[k], whole.re[k]), `re[${k}] size=${size}`);
      assert.ok(Object.is(im[k], whole.im[k]), `im[${k}] size=${size}`);
      assert.ok(Object.is(s2[k], whole.scat2[k]), `scat2[${k}]`);
    }
    assert.ok(Object.is(checksum(s2), checksum(whole.scat2)));
  }
  // Empty block.
  const empty = computeBlock(p, 5, 5);
  assert.equal(empty.re.length, 0);
  assert.throws(() => computeBlock(p, 3, 2), RangeError);
  assert.throws(() => computeBlock(p, 0, p.n + 1), RangeError);
});

Deno.test("computeInto writes computeBlock's bits into the whole field, in any chunks", () => {
  const p = makeProblem({ nx: 40, ny: 30, nc: 48 });
  const whole = computeBlock(p, 0, p.n);
  for (const stride of [2, 3] as const) {
    // Chunks of 1, 2, 5 and 7 rows, out of order, into a field holding garbage.
    for (const rows of [1, 2, 5, 7]) {
      const out = new Float64Array(stride * p.n).fill(NaN);
      const starts: number[] = [];
      for (let j = 0; j < p.ny1; j += rows) starts.push(j);
      for (const j of starts.reverse()) computeInto(p, j * p.nx1, Math.min(j + rows, p.ny1) * p.nx1, out, stride);
      for (let k = 0; k < p.n; k++) {
        assert.ok(Object.is(out[stride * k], whole.re[k]), `re[${k}] rows=${rows}`);
        assert.ok(Object.is(out[stride * k + 1], whole.im[k]), `im[${k}] rows=${rows}`);
        if (stride === 3) assert.ok(Object.is(out[3 * k + 2], whole.scat2[k]), `scat2[${k}] rows=${rows}`);
      }
    }
  }
  const out = new Float64Array(3 * p.n);
  assert.throws(() => computeInto(p, 0, p.n, out.subarray(1), 3), /out must hold/);
  assert.throws(() => computeInto(p, 5, 4, out, 3), RangeError);
  assert.throws(() => computeInto(p, 0, p.n + 1, out, 3), RangeError);
  assert.throws(() => computeInto(p, 0, 1, out, 4 as 3), /stride must be 2 or 3/);
});

Deno.test("field values: inside zero, outside incident + scattered", () => {
  const p = makeProblem({ nx: 32, ny: 32, nc: 32 });
  const mask = insideMask(p);
  const b = computeBlock(p, 0, p.n);
  let nInside = 0;
  for (let k = 0; k < p.n; k++) {
    if (mask[k]) {
      nInside++;
      assert.equal(b.re[k], 0);
      assert.equal(b.im[k], 0);
      assert.equal(b.scat2[k], 0);
    } else {
      assert.ok(Number.isFinite(b.re[k]) && Number.isFinite(b.im[k]));
      assert.ok(b.scat2[k] > 0);
      // |scattered| = |total − incident|.
      const x = p.xg[k % p.nx1];
      const sr = b.re[k] - Math.cos(p.kx * x);
      const si = b.im[k] - Math.sin(p.kx * x);
      const s2 = sr * sr + si * si;
      assert.ok(Math.abs(s2 - b.scat2[k]) <= 1e-12 * (1 + s2));
    }
  }
  assert.ok(nInside > 0);
});

Deno.test("a grid point on a segment mid point (rho = 0) stays finite", () => {
  const p = makeProblem({ nx: 8, ny: 8, nc: 12 });
  const s = p.segments;
  const xg = new Float64Array(p.xg);
  const yg = new Float64Array(p.yg);
  xg[0] = s.mx[3];
  yg[0] = s.my[3];
  const q: Problem = { ...p, xg, yg };
  const b = computeBlock(q, 0, 1);
  assert.ok(!isInside(q, xg[0], yg[0]));
  assert.ok(Number.isFinite(b.re[0]) && Number.isFinite(b.im[0]));
  assert.ok(Number.isFinite(b.scat2[0]) && b.scat2[0] > 0);
});

Deno.test("checksum sums left to right", () => {
  assert.equal(checksum([]), 0);
  assert.equal(checksum(new Float64Array([1e16, 1, 1])), (1e16 + 1) + 1);
  assert.equal(checksum([1, 2, 3.5]), 6.5);
});

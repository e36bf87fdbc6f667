/**
 * Tests of examples/scatter/bessel.ts against published tables, zeros,
 * the Wronskian, derivative relations and the large-x asymptotic form.
 *
 * Error criterion used throughout (as documented in bessel.ts):
 * |f − f_ref| ≤ tol · max(|f_ref|, m(x)), m(x) = min(1, √(2/(πx))),
 * i.e. relative away from zeros and relative to the oscillation envelope
 * next to them. The module promises tol = 1e-7; the tests check much
 * tighter bounds where the reference itself is that precise.
 */

import assert from "node:assert/strict";
import {
  besselJ0,
  besselJ1,
  besselJY01,
  besselY0,
  besselY1,
  hankel1,
  hankel1Orders01,
} from "../../examples/scatter/bessel.ts";

function envelope(x: number): number {
  return Math.min(1, Math.sqrt(2 / (Math.PI * x)));
}

function assertClose(
  got: number,
  want: number,
  x: number,
  tol: number,
  what: string,
): void {
  const err = Math.abs(got - want) / Math.max(Math.abs(want), envelope(x));
  assert.ok(
    err <= tol,
    `${what}(${x}) = ${got}, expected ${want} (scaled error ${err} > ${tol})`,
  );
}

/**
 * [x, J0, Y0, J1, Y1].
 *
 * x ≤ 17.5: rows of Abramowitz & Stegun, Handbook of Mathematical
 * Functions (1964), Table 9.1 (J0, J1, Y0, Y1 for x = 0(0.1)17.5). The
 * literals carry 12–13 significant digits (computed with mpmath 1.3.0 at
 * 30 digits; they agree with the table's printed digits).
 * x ≥ 20: mpmath 1.3.0, 30-digit evaluation, rounded to 13 digits.
 */
const TABLE: readonly (readonly [number, number, number, number, number])[] = [
  [0.1, 0.997501562066, -1.53423865135, 0.04993752603624, -6.458951094702],
  [0.5, 0.9384698072408, -0.4445187335067, 0.2422684576749, -1.47147239267],
  [1, 0.765197686558, 0.08825696421568, 0.4400505857449, -0.7812128213003],
  [1.5, 0.5118276717359, 0.3824489237978, 0.5579365079101, -0.4123086269739],
  [2, 0.2238907791412, 0.5103756726497, 0.5767248077569, -0.1070324315409],
  [2.5, -0.0483837764682, 0.4980703596152, 0.4970941024643, 0.1459181379668],
  [3, -0.2600519549019, 0.3768500100128, 0.3390589585259, 0.3246744247918],
  [4, -0.3971498098638, -0.01694073932506, -0.06604332802355, 0.3979257105571],
  [5, -0.1775967713143, -0.308517625249, -0.3275791375915, 0.1478631433912],
  [6, 0.150645257251, -0.2881946839816, -0.2766838581276, -0.1750103443004],
  [7.5, 0.2663396578804, 0.1173132861482, 0.1352484275797, -0.2591285104861],
  [8, 0.1716508071376, 0.2235214893876, 0.2346363468539, -0.1580604617312],
  [10, -0.2459357644513, 0.0556711672836, 0.04347274616886, 0.249015424207],
  [12.5, 0.1468840547004, -0.1712143068447, -0.1654838046148, -0.1538382565375],
  [15, -0.01422447282678, 0.2054642960389, 0.2051040386135, 0.02107362803687],
  [17.5, -0.1031103982287, -0.160411192505, -0.1634199694258, 0.09857279873422],
  [20, 0.1670246643406, 0.06264059680938, 0.06683312417585, -0.1655116143625],
  [50, 0.05581232766925, -0.09806499547008, -0.09751182812518, -0.05679566856201],
  [100, 0.01998585030422, -0.07724431336508, -0.07714535201411, -0.02037231200276],
  [500, -0.03410055688073, 0.01050670873983, 0.01047261347037, 0.03411108062914],
  [
    999.5,
    0.02401930014088,
    -0.007746701396959,
    -0.007734686711372,
    -0.02402317843367,
  ],
];

Deno.test("tabulated values (A&S Table 9.1, mpmath for x >= 20)", () => {
  const out = new Float64Array(4);
  for (const [x, j0, y0, j1, y1] of TABLE) {
    besselJY01(x, out);
    assertClose(out[0], j0, x, 1e-11, "J0");
    assertClose(out[1], y0, x, 1e-11, "Y0");
    assertClose(out[2], j1, x, 1e-11, "J1");
    assertClose(out[3], y1, x, 1e-11, "Y1");
    // The scalar wrappers agree bit for bit with the combined routine.
    assert.equal(besselJ0(x), out[0]);
    assert.equal(besselY0(x), out[1]);
    assert.equal(besselJ1(x), out[2]);
    assert.equal(besselY1(x), out[3]);
  }
});

/**
 * First five positive zeros, Abramowitz & Stegun Table 9.5 (j0,s, j1,s,
 * y0,s, y1,s), to 16 significant digits.
 */
const ZEROS = {
  J0: [
    2.404825557695773,
    5.520078110286311,
    8.653727912911012,
    11.79153443901428,
    14.93091770848779,
  ],
  Y0: [
    0.8935769662791675,
    3.957678419314858,
    7.086051060301773,
    10.22234504349642,
    13.36109747387276,
  ],
  J1: [
    3.831705970207512,
    7.015586669815619,
    10.17346813506272,
    13.32369193631422,
    16.47063005087763,
  ],
  Y1: [
    2.197141326031017,
    5.429681040794135,
    8.596005868331169,
    11.74915483083988,
    14.89744212833673,
  ],
} as const;

const FUNCS = {
  J0: besselJ0,
  Y0: besselY0,
  J1: besselJ1,
  Y1: besselY1,
} as const;

Deno.test("tabulated zeros (A&S Table 9.5) are zeros with a sign change", () => {
  for (const name of ["J0", "Y0", "J1", "Y1"] as const) {
    const f = FUNCS[name];
    for (const z of ZEROS[name]) {
      // |f'| ≤ 1 near these zeros, so a 16-digit zero gives |f| < 1e-14.
      assert.ok(Math.abs(f(z)) < 1e-13, `${name}(${z}) = ${f(z)}`);
      const h = 1e-6;
      assert.ok(f(z - h) * f(z + h) < 0, `${name} changes sign at ${z}`);
    }
  }
});

/**
 * McMahon's expansion (A&S 9.5.12) for the s-th zero of Jν (β = (s + ν/2 −
 * 1/4)π) or Yν (β = (s + ν/2 − 3/4)π), μ = 4ν², three terms; for β > 300
 * the truncation error is below 1e-13.
 */
function mcMahon(nu: 0 | 1, beta: number): number {
  const mu = 4 * nu * nu;
  const b8 = 8 * beta;
  return beta - (mu - 1) / b8 -
    4 * (mu - 1) * (7 * mu - 31) / (3 * b8 * b8 * b8);
}

Deno.test("large zeros from McMahon's expansion, x up to 1000", () => {
  for (let s = 100; s <= 318; s += 7) {
    const cases: [string, (x: number) => number, number][] = [
      ["J0", besselJ0, mcMahon(0, (s - 0.25) * Math.PI)],
      ["Y0", besselY0, mcMahon(0, (s - 0.75) * Math.PI)],
      ["J1", besselJ1, mcMahon(1, (s + 0.25) * Math.PI)],
      ["Y1", besselY1, mcMahon(1, (s - 0.25) * Math.PI)],
    ];
    for (const [name, f, z] of cases) {
      assert.ok(z < 1000);
      // |f'(z)| ≈ √(2/(πz)) ≈ 0.03 and |δz| ≲ 1e-13 (expansion) + ulp.
      assert.ok(Math.abs(f(z)) < 1e-12, `${name}(${z}) = ${f(z)}`);
    }
  }
});

Deno.test("Wronskian J1·Y0 − J0·Y1 = 2/(πx) on (0, 1000)", () => {
  const out = new Float64Array(4);
  let worst = 0;
  const check = (x: number) => {
    besselJY01(x, out);
    const w = out[2] * out[1] - out[0] * out[3];
    const want = 2 / (Math.PI * x);
    const rel = Math.abs(w - want) / want;
    if (rel > worst) worst = rel;
    assert.ok(rel < 1e-11, `Wronskian at x = ${x}: ${w} vs ${want}`);
  };
  // Log-spaced from 1e-8 to 1, linear to 30 (crosses the x = 8 switch),
  // then to 1000; plus points hugging the switch.
  for (let e = -8; e < 0; e += 0.01) check(10 ** e);
  for (let x = 0.005; x < 30; x += 0.0037) check(x);
  for (let x = 30; x < 1000; x += 0.0913) check(x);
  for (const x of [8 - 1e-9, 8, 8 + 1e-9, 999.999]) check(x);
  assert.ok(worst > 0); // the loop really ran
});

Deno.test("derivatives: J0' = −J1, Y0' = −Y1 (central differences)", () => {
  const h = 1e-5;
  for (let x = 0.3; x < 1000; x *= 1.37) {
    const dj0 = (besselJ0(x + h) - besselJ0(x - h)) / (2 * h);
    const dy0 = (besselY0(x + h) - besselY0(x - h)) / (2 * h);
    // Difference error ~h²·f''' + ε/h ≲ 1e-9 for x ≥ 0.3.
    assert.ok(Math.abs(dj0 + besselJ1(x)) < 2e-9, `J0'(${x})`);
    assert.ok(Math.abs(dy0 + besselY1(x)) < 2e-8, `Y0'(${x})`);
  }
});

Deno.test("large-x Hankel asymptotic expansion", () => {
  // Hν(1) ≈ √(2/(πx)) (P + iQ) e^{iχ}, χ = x − (ν/2 + 1/4)π, A&S 9.2.5-9.2.10,
  // with P, Q to O(x⁻³); truncation error < 0.2/x⁴ ≤ 2e-11 for x ≥ 300.
  const out = new Float64Array(4);
  for (let x = 300; x < 1000; x += 3.17) {
    besselJY01(x, out);
    const a = Math.sqrt(2 / (Math.PI * x));
    for (const nu of [0, 1] as const) {
      const mu = 4 * nu * nu;
      const e = 8 * x;
      const p = 1 - (mu - 1) * (mu - 9) / (2 * e * e);
      const q = (mu - 1) / e -
        (mu - 1) * (mu - 9) * (mu - 25) / (6 * e * e * e);
      const chi = x - (nu / 2 + 0.25) * Math.PI;
      const j = a * (p * Math.cos(chi) - q * Math.sin(chi));
      const y = a * (p * Math.sin(chi) + q * Math.cos(chi));
      // Absolute bound relative to the envelope a (cos(chi) rounding of chi
      // for x ~ 1000 costs ~1e-13 too).
      assert.ok(Math.abs(out[2 * nu] - j) < 1e-10 * a, `J${nu}(${x})`);
      assert.ok(Math.abs(out[2 * nu + 1] - y) < 1e-10 * a, `Y${nu}(${x})`);
    }
    // And the leading behaviour |Hν|² → 2/(πx).
    const m0 = out[0] * out[0] + out[1] * out[1];
    assert.ok(Math.abs(m0 * Math.PI * x / 2 - 1) < 1e-5);
  }
});

Deno.test("small-x behaviour", () => {
  // J0 ≈ 1 − x²/4, J1 ≈ x/2, Y0 ≈ (2/π)(ln(x/2) + γ), Y1 ≈ −2/(πx).
  const gamma = 0.5772156649015329;
  for (const x of [1e-8, 1e-6, 1e-4]) {
    assertClose(besselJ0(x), 1 - x * x / 4, x, 1e-15, "J0");
    assertClose(besselJ1(x), x / 2, x, 1e-8, "J1");
    assertClose(
      besselY0(x),
      (2 / Math.PI) * (Math.log(x / 2) + gamma),
      x,
      1e-7,
      "Y0",
    );
    assertClose(besselY1(x), -2 / (Math.PI * x), x, 1e-7, "Y1");
  }
});

Deno.test("continuity across the series / asymptotic switch at x = 8", () => {
  const lo = new Float64Array(4);
  const hi = new Float64Array(4);
  besselJY01(8 - 1e-12, lo);
  besselJY01(8, hi);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(lo[i] - hi[i]) < 1e-11, `component ${i}`);
  }
});

Deno.test("hankel1 and hankel1Orders01 return J + iY", () => {
  const out = new Float64Array(4);
  for (const x of [0.01, 0.7, 3, 8, 42, 777]) {
    hankel1Orders01(x, out);
    assert.deepEqual(hankel1(0, x), { re: besselJ0(x), im: besselY0(x) });
    assert.deepEqual(hankel1(1, x), { re: besselJ1(x), im: besselY1(x) });
    assert.deepEqual([...out], [
      besselJ0(x),
      besselY0(x),
      besselJ1(x),
      besselY1(x),
    ]);
  }
});

Deno.test("special arguments", () => {
  const out = new Float64Array(4);
  assert.deepEqual([...besselJY01(0, out)], [1, -Infinity, 0, -Infinity]);
  assert.deepEqual([...besselJY01(Infinity, out)], [0, 0, 0, 0]);
  assert.ok([...besselJY01(-1, out)].every(Number.isNaN));
  assert.ok([...besselJY01(NaN, out)].every(Number.isNaN));
  // Tiny positive arguments stay finite.
  assert.ok([...besselJY01(1e-300, out)].every(Number.isFinite));
});

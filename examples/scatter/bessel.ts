/**
 * Bessel functions J0, J1, Y0, Y1 of real positive argument and the Hankel
 * functions of the first kind H0(1) = J0 + i·Y0 and H1(1) = J1 + i·Y1.
 *
 * Written for the hot loop of the wave-scattering example, which needs the
 * pair (H0(1)(x), H1(1)(x)) about two million times per run: the main entry
 * point, {@linkcode besselJY01}, computes all four real functions at once
 * and writes them into a caller-provided `Float64Array`, so it allocates
 * nothing.
 *
 * Method (two regions, switching at x = 8):
 *
 * - `0 < x < 8`: the ascending power series (Abramowitz & Stegun 9.1.10,
 *   9.1.11, 9.1.13), summed together for the four functions with
 *   precomputed tables of 1/k², 1/(k(k+1)) and harmonic numbers. With
 *   z = x²/4, tₖ = (−z)ᵏ/(k!)² and uₖ = (−z)ᵏ/(k!(k+1)!):
 *   - J0 = Σ tₖ, J1 = (x/2) Σ uₖ
 *   - Y0 = (2/π)[(ln(x/2) + γ) J0 − Σ Hₖ tₖ]
 *   - Y1 = (2/π)(ln(x/2) + γ) J1 − 2/(πx) − (x/2π) Σ (Hₖ + Hₖ₊₁) uₖ
 *
 *   where Hₖ is the k-th harmonic number and γ Euler's constant. The
 *   largest term is about I0(8) ≈ 427, so cancellation costs at most
 *   ~1e-13 absolute.
 * - `x ≥ 8`: the Hankel asymptotic form (A&S 9.2.5, 9.2.6)
 *   Jν = √(2/(πx)) (Pν cos χ − Qν sin χ), Yν = √(2/(πx)) (Pν sin χ + Qν cos χ),
 *   χ = x − (ν/2 + 1/4)π, i.e. Hν(1) = √(2/(πx)) (Pν + i Qν) e^{iχ}.
 *   Pν(x) and (x/8)·Qν(x) are approximated by degree-12 polynomials in
 *   t = 64/x² ∈ (0, 1]. The coefficients were fitted for this module
 *   (least-squares Chebyshev fit, `mpmath.chebyfit`, to Pν and Qν evaluated
 *   at 40 significant digits from their definitions
 *   P = √(πx/2)(J cos χ + Y sin χ), Q = √(πx/2)(Y cos χ − J sin χ));
 *   the reported fit error is below 5e-18. Their leading coefficients
 *   reproduce the asymptotic series (e.g. P0 ≈ 1 − 9/(128x²), Q0 ≈ −1/(8x)).
 *   cos χ and sin χ are formed from `Math.cos(x)` and `Math.sin(x)` (no
 *   rounding of x − π/4), so the phase stays exact for large x.
 *
 * Accuracy criterion: for every function f, |f − f_exact| ≤
 * 1e-7 · max(|f_exact|, m(x)) with m(x) = min(1, √(2/(πx))) the size of the
 * oscillation envelope, i.e. 1e-7 relative away from the zeros and 1e-7
 * of the envelope (absolute) next to them. Measured against mpmath
 * (30 digits) at ~15 500 points spread over 1e-8 < x < 1000 the largest
 * error by this measure is 1.5e-13 (Y0 near x = 7.9, the cancellation end
 * of the series); for x ≥ 8 it is below 6e-16, and the plain relative
 * error wherever |f| > 0.1·m(x) is at most 5.5e-13. The tests in
 * `tests/scatter/bessel_test.ts` check tables, zeros, the Wronskian and
 * the asymptotic form against much tighter bounds than 1e-7.
 *
 * Special arguments: x = 0 gives J0 = 1, J1 = 0, Y0 = Y1 = −∞; x = +∞
 * gives zeros; negative or NaN arguments give NaN for all four.
 *
 * @module
 */

/** Euler–Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;
const TWO_OVER_PI = 2 / Math.PI;
const INV_PI = 1 / Math.PI;
/** Below this argument the power series is used, above it P/Q. */
const X_SWITCH = 8;
/** Table length of the series; x < 8 needs fewer than 30 terms. */
const SERIES_TERMS = 48;

/** 1/k² for k ≥ 1 (index 0 unused). */
const INV_K2 = new Float64Array(SERIES_TERMS);
/** 1/(k(k+1)) for k ≥ 1 (index 0 unused). */
const INV_KK1 = new Float64Array(SERIES_TERMS);
/** Harmonic numbers Hₖ = 1 + 1/2 + … + 1/k (H0 = 0). */
const HARM = new Float64Array(SERIES_TERMS + 1);
/** Hₖ + Hₖ₊₁. */
const HARM2 = new Float64Array(SERIES_TERMS);
for (let k = 1; k <= SERIES_TERMS; k++) HARM[k] = HARM[k - 1] + 1 / k;
for (let k = 0; k < SERIES_TERMS; k++) {
  if (k > 0) {
    INV_K2[k] = 1 / (k * k);
    INV_KK1[k] = 1 / (k * (k + 1));
  }
  HARM2[k] = HARM[k] + HARM[k + 1];
}

/** Scratch buffer for the scalar convenience functions. */
const SCRATCH = new Float64Array(4);

/**
 * Computes J0(x), Y0(x), J1(x) and Y1(x) together and writes them into
 * `out` as `[J0, Y0, J1, Y1]`, which is also
 * `[Re H0(1), Im H0(1), Re H1(1), Im H1(1)]`. Allocation-free.
 *
 * @param x argument, x > 0 (x = 0 and x = +∞ are handled, see module doc)
 * @param out array of at least 4 elements to write into
 * @returns `out`
 */
export function besselJY01(x: number, out: Float64Array): Float64Array {
  if (x < X_SWITCH) {
    if (x > 0) {
      seriesJY01(x, out);
    } else if (x === 0) {
      out[0] = 1;
      out[1] = -Infinity;
      out[2] = 0;
      out[3] = -Infinity;
    } else {
      out[0] =
        out[1] =
        out[2] =
        out[3] =
          NaN;
    }
  } else if (x < Infinity) {
    asymptoticJY01(x, out);
  } else if (x === Infinity) {
    out[0] =
      out[1] =
      out[2] =
      out[3] =
        0;
  } else {
    out[0] =
      out[1] =
      out[2] =
      out[3] =
        NaN;
  }
  return out;
}

/**
 * Hankel functions of the first kind of orders 0 and 1: writes
 * `[Re H0(1)(x), Im H0(1)(x), Re H1(1)(x), Im H1(1)(x)]` into `out`.
 * Identical to {@linkcode besselJY01} (Hν(1) = Jν + i·Yν); provided under
 * this name for readability at call sites that think in Hankel functions.
 *
 * @param x argument, x > 0
 * @param out array of at least 4 elements to write into
 * @returns `out`
 */
export function hankel1Orders01(x: number, out: Float64Array): Float64Array {
  return besselJY01(x, out);
}

/**
 * Bessel function of the first kind of order 0.
 *
 * @param x argument, x ≥ 0
 * @returns J0(x)
 */
export function besselJ0(x: number): number {
  return besselJY01(x, SCRATCH)[0];
}

/**
 * Bessel function of the second kind (Neumann function) of order 0.
 *
 * @param x argument, x > 0
 * @returns Y0(x)
 */
export function besselY0(x: number): number {
  return besselJY01(x, SCRATCH)[1];
}

/**
 * Bessel function of the first kind of order 1.
 *
 * @param x argument, x ≥ 0
 * @returns J1(x)
 */
export function besselJ1(x: number): number {
  return besselJY01(x, SCRATCH)[2];
}

/**
 * Bessel function of the second kind (Neumann function) of order 1.
 *
 * @param x argument, x > 0
 * @returns Y1(x)
 */
export function besselY1(x: number): number {
  return besselJY01(x, SCRATCH)[3];
}

/**
 * Hankel function of the first kind Hν(1)(x) = Jν(x) + i·Yν(x) for ν = 0
 * or 1, as a new `{ re, im }` object (allocates; use
 * {@linkcode besselJY01} in hot loops).
 *
 * @param nu order, 0 or 1
 * @param x argument, x > 0
 * @returns real and imaginary parts
 */
export function hankel1(nu: 0 | 1, x: number): { re: number; im: number } {
  besselJY01(x, SCRATCH);
  return nu === 0 ? { re: SCRATCH[0], im: SCRATCH[1] } : { re: SCRATCH[2], im: SCRATCH[3] };
}

/** Ascending series for 0 < x < 8, all four functions in one pass. */
function seriesJY01(x: number, out: Float64Array): void {
  const mz = -0.25 * x * x;
  let t = 1; // (−z)^k / (k!)²
  let u = 1; // (−z)^k / (k! (k+1)!)
  let sj0 = 1;
  let sy0 = 0; // Σ H_k t_k (H_0 = 0)
  let sj1 = 1;
  let sy1 = 1; // Σ (H_k + H_{k+1}) u_k, k = 0 term is 1
  for (let k = 1; k < SERIES_TERMS; k++) {
    t *= mz * INV_K2[k];
    u *= mz * INV_KK1[k];
    sj0 += t;
    sy0 += HARM[k] * t;
    sj1 += u;
    sy1 += HARM2[k] * u;
    // |u| ≤ |t| and the weights are < 10, so this bounds all later terms.
    if (t < 1e-18 && t > -1e-18) break;
  }
  const lg = Math.log(0.5 * x) + EULER_GAMMA;
  const j1 = 0.5 * x * sj1;
  out[0] = sj0;
  out[1] = TWO_OVER_PI * (lg * sj0 - sy0);
  out[2] = j1;
  out[3] = TWO_OVER_PI * (lg * j1 - 1 / x) - 0.5 * INV_PI * x * sy1;
}

/*
 * Fitted coefficients (highest degree first) of the degree-12 polynomials
 * in t = 64/x² with P0(x) ≈ P0(t), Q0(x) ≈ (8/x)·Q0(t), P1(x) ≈ P1(t),
 * Q1(x) ≈ (8/x)·Q1(t) for x ≥ 8; see the module doc for how they were made.
 */
/** Coefficients for P0 (reported fit error 4.18e-18). */
const FIT_P0: readonly number[] = [
  1.3219700423350835e-10,
  -1.0029066979633945e-09,
  3.589369421372812e-09,
  -8.31251965044764e-09,
  1.4845549354895297e-08,
  -2.4185615179408813e-08,
  4.339314718568921e-08,
  -1.0229475399421496e-07,
  3.620184781129259e-07,
  -2.183917728558513e-06,
  2.738088361130017e-05,
  -0.0010986328124985556,
  1.0,
];
/** Coefficients for Q0 (reported fit error 4.6e-18). */
const FIT_Q0: readonly number[] = [
  -1.3477937580357612e-10,
  1.011031238186147e-09,
  -3.555524278992273e-09,
  8.000995612956512e-09,
  -1.3609419519258223e-08,
  2.0428537127580895e-08,
  -3.228985891642277e-08,
  6.399781418673288e-08,
  -1.8162398074592788e-07,
  8.238425985656106e-07,
  -6.9307860941428686e-06,
  0.00014305114745934768,
  -0.015624999999999995,
];
/** Coefficients for P1 (reported fit error 4.42e-18). */
const FIT_P1: readonly number[] = [
  -1.4038395089577798e-10,
  1.0657770307911482e-09,
  -3.818735305533677e-09,
  8.860855361799285e-09,
  -1.5879522872690333e-08,
  2.6030250382020736e-08,
  -4.719167778074151e-08,
  1.1307073738668152e-07,
  -4.102893385438351e-07,
  2.5809939131965017e-06,
  -3.520399323335166e-05,
  0.001831054687498473,
  1.0,
];
/** Coefficients for Q1 (reported fit error 4.85e-18). */
const FIT_Q1: readonly number[] = [
  1.4280722112309597e-10,
  -1.071914270433146e-09,
  3.773309315230924e-09,
  -8.504914198988601e-09,
  1.4507979244604333e-08,
  -2.1888377038312212e-08,
  3.489697880824557e-08,
  -7.010042468690825e-08,
  2.0299308556246271e-07,
  -9.5058781859599e-07,
  8.470960796899506e-06,
  -0.00020027160644363478,
  0.04687499999999999,
];

/** The four coefficient lists interleaved: [P0₁₂, Q0₁₂, P1₁₂, Q1₁₂, P0₁₁, …]. */
const PQ_COEFFS = new Float64Array(4 * FIT_P0.length);
for (let i = 0; i < FIT_P0.length; i++) {
  PQ_COEFFS[4 * i] = FIT_P0[i];
  PQ_COEFFS[4 * i + 1] = FIT_Q0[i];
  PQ_COEFFS[4 * i + 2] = FIT_P1[i];
  PQ_COEFFS[4 * i + 3] = FIT_Q1[i];
}

/** Hankel asymptotic form with fitted P/Q polynomials for x ≥ 8. */
function asymptoticJY01(x: number, out: Float64Array): void {
  const inv = 1 / x;
  const t = 64 * inv * inv;
  // Four Horner recurrences side by side.
  const c = PQ_COEFFS;
  let p0 = c[0], q0 = c[1], p1 = c[2], q1 = c[3];
  for (let i = 4; i < c.length; i += 4) {
    p0 = p0 * t + c[i];
    q0 = q0 * t + c[i + 1];
    p1 = p1 * t + c[i + 2];
    q1 = q1 * t + c[i + 3];
  }
  q0 *= 8 * inv;
  q1 *= 8 * inv;
  const s = Math.sin(x);
  const co = Math.cos(x);
  // χ0 = x − π/4: cos χ0 = (cos x + sin x)/√2, sin χ0 = (sin x − cos x)/√2.
  // χ1 = χ0 − π/2: cos χ1 = sin χ0, sin χ1 = −cos χ0.
  const cc = (co + s) * Math.SQRT1_2;
  const ss = (s - co) * Math.SQRT1_2;
  const a = Math.sqrt(TWO_OVER_PI * inv);
  out[0] = a * (p0 * cc - q0 * ss);
  out[1] = a * (p0 * ss + q0 * cc);
  out[2] = a * (p1 * ss + q1 * cc);
  out[3] = a * (q1 * ss - p1 * cc);
}

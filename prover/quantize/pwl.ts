// Sigmoid, Tanh, Erf and the normal CDF (GELU's) as piecewise-linear functions on integers, with
// a stated error bound.
//
// The input domain [-R, R) (R = 8 for Sigmoid, 4 for the others) is cut into 2^K equal segments
// of width h = 2R / 2^K; each segment is replaced by its secant moved by half the secant's error
// bound towards the function (0 is a segment boundary; every function here is convex below it and
// concave above, so each segment lies on one side of its secant). Outside the domain the output is
// the limit value (0 / -1 below, 1 above). With the input at scale 2^fa (after a free left shift
// by `pre` so that every segment spans whole input steps), the circuit reads the segment number
// and the offset inside it straight from the input's binary digits (circuits/pwl.circom):
//
//   y = a[s] + b[s] * o      a[s] = round((f(x_s) -+ h^2/16 max|f''|) 2^fo), b[s] = round(slope_s 2^fb),
//                            o = offset truncated to `offsetFrac` fractional bits, fo = fb + offsetFrac.
//
// Error bound (real units) for an exact input x = in / 2^inFrac inside the domain:
//   h^2/16 max|f''|                     (the moved secant: the secant's error h^2/8 max|f''| halved)
//   + max f' (2^-offsetFrac - 2^-fa)     (offset truncation: the d = fa - offsetFrac dropped bits; 0 when d = 0)
//   + max_s |a_s - a[s] 2^-fo|           (a rounding against the moved intercept a_s, at most 2^-(fo+1))
//   + h max_s |slope_s - b[s] 2^-fb|     (b rounding, at most h 2^-(fb+1));
// outside it: |f(+-R) - limit| (f is monotone) plus the limit's rounding (0: the limits are
// integers). With K = 6 and 10-bit slopes and offsets this is about 1e-3 for Sigmoid and 2e-3
// for Tanh; quantize() adds max f' times the input's error.
import type { PwlParams } from "./quantized-model.js";
import { signedBits } from "./signed-bits.js";

export interface PwlFunction {
  fn: PwlParams["fn"];
  /** log2 of the domain's half width R. */
  log2Range: number;
  f: (x: number) => number;
  /** max |f''| and max f' over the reals. */
  d2Max: number;
  d1Max: number;
  below: number;
  above: number;
}

export const PWL_FUNCTIONS: Record<PwlParams["fn"], PwlFunction> = {
  sigmoid: {
    fn: "sigmoid",
    log2Range: 3,
    f: (x) => 1 / (1 + Math.exp(-x)),
    d2Max: 1 / (6 * Math.sqrt(3)),
    d1Max: 0.25,
    below: 0,
    above: 1,
  },
  tanh: { fn: "tanh", log2Range: 2, f: Math.tanh, d2Max: 4 / (3 * Math.sqrt(3)), d1Max: 1, below: -1, above: 1 },
  // erf'' = -4x/sqrt(pi) e^(-x^2), largest at |x| = 1/sqrt(2); erf' <= 2/sqrt(pi).
  erf: {
    fn: "erf",
    log2Range: 2,
    f: erf,
    d2Max: (4 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * Math.exp(-0.5),
    d1Max: 2 / Math.sqrt(Math.PI),
    below: -1,
    above: 1,
  },
  // The standard normal CDF: phi'' = -x N(x), largest at |x| = 1; phi' <= N(0) = 1/sqrt(2 pi).
  phi: {
    fn: "phi",
    log2Range: 2,
    f: (x) => (1 + erf(x * Math.SQRT1_2)) / 2,
    d2Max: Math.exp(-0.5) / Math.sqrt(2 * Math.PI),
    d1Max: 1 / Math.sqrt(2 * Math.PI),
    below: 0,
    above: 1,
  },
};

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function to double precision: its Maclaurin series below |x| = 3 (terms below 1e4,
 * so at most 4 of the 16 digits cancel), the continued fraction of erfc above (Lentz).
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  // erfc(a) = e^(-a^2) / sqrt(pi) * 1 / (a + (1/2) / (a + 1 / (a + (3/2) / (a + 2 / (a + ...))))).
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = a + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = a + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** log2 of the number of segments (the default; a quantization setting may ask for fewer). */
export const PWL_SEGMENTS_LOG2 = 6;

export interface PwlBuild {
  params: PwlParams;
  /** Output scale 2^outFrac. */
  outFrac: number;
  /** Bound on |f(x) - y / 2^outFrac| for exact x = in / 2^inFrac (before input error). */
  approxError: number;
  /** Lipschitz constant of f (how input error propagates). */
  lipschitz: number;
  /** Constraint estimate per element. */
  cost: number;
}

/** The intercept of segment s: f at its left end, moved by half the secant's error bound. */
function intercept(F: PwlFunction, x0: number, h: number): number {
  const half = (h * h * F.d2Max) / 16;
  return F.f(x0) + (x0 + h <= 0 ? -half : half);
}

/** The bound on |f(x) - y / 2^fo| stated at the top of this file, for the built tables. */
function approximationError(
  F: PwlFunction,
  t: {
    a: number[];
    b: number[];
    yLo: number;
    yHi: number;
    h: number;
    fa: number;
    offsetFrac: number;
    fb: number;
    fo: number;
  },
): number {
  const R = 2 ** F.log2Range;
  let aErr = 0;
  let bErr = 0;
  t.a.forEach((a, s) => {
    const x0 = -R + s * t.h;
    aErr = Math.max(aErr, Math.abs(intercept(F, x0, t.h) - a * 2 ** -t.fo));
    bErr = Math.max(bErr, Math.abs((F.f(x0 + t.h) - F.f(x0)) / t.h - t.b[s] * 2 ** -t.fb));
  });
  const secant = (t.h * t.h * F.d2Max) / 16;
  const truncation = F.d1Max * (2 ** -t.offsetFrac - 2 ** -t.fa);
  const inside = secant + truncation + aErr + t.h * bErr;
  const limits = Math.max(Math.abs(F.below - t.yLo * 2 ** -t.fo), Math.abs(F.above - t.yHi * 2 ** -t.fo));
  const outside = Math.max(Math.abs(F.f(-R) - F.below), Math.abs(F.above - F.f(R))) + limits;
  return Math.max(inside, outside);
}

/**
 * Builds the integer approximation of `fn` for inputs in / 2^inFrac with in in [lo, hi].
 * `precision` sets the slope and offset fractional bits.
 */
export function buildPwl(
  fn: PwlParams["fn"],
  inFrac: number,
  lo: number,
  hi: number,
  precision: number,
  k = PWL_SEGMENTS_LOG2,
): PwlBuild {
  const F = PWL_FUNCTIONS[fn];
  const pre = Math.max(0, k - 1 - F.log2Range - inFrac);
  const fa = inFrac + pre;
  // The domain [-R, R) is [-2^m, 2^m) in input steps; each segment is 2^(m + 1 - k) steps wide
  // (at least one: `pre` makes m + 1 >= k).
  const m = F.log2Range + fa;
  const n = signedBits(lo * 2 ** pre, hi * 2 ** pre);
  const offsetFrac = Math.min(fa, precision);
  const d = fa - offsetFrac;
  const fb = precision;
  const fo = fb + offsetFrac;
  const h = 2 ** (F.log2Range + 1 - k);
  const R = 2 ** F.log2Range;
  const a: number[] = [];
  const b: number[] = [];
  for (let s = 0; s < 2 ** k; s++) {
    const x0 = -R + s * h;
    a.push(Math.round(intercept(F, x0, h) * 2 ** fo));
    b.push(Math.round(((F.f(x0 + h) - F.f(x0)) / h) * 2 ** fb));
  }
  const yLo = Math.round(F.below * 2 ** fo);
  const yHi = Math.round(F.above * 2 ** fo);
  const saturating = n - 1 > m;
  const digits = saturating ? n + 1 : m + 1;
  return {
    params: { fn, pre, n, m, k, d, a, b, yLo, yHi },
    outFrac: fo,
    approxError: approximationError(F, { a, b, yLo, yHi, h, fa, offsetFrac, fb, fo }),
    lipschitz: F.d1Max,
    // circuits/pwl.circom's Cost line: the digits, the decoder's 2^K - 2, the rest.
    cost: digits + 2 ** k - 2 + (saturating ? 6 : 1),
  };
}

/** The integer result (mirrors circuits/pwl.circom; `v` is the input times 2^pre). */
export function evalPwl(p: PwlParams, x: number): number {
  const v = x * 2 ** p.pre;
  const lim = 2 ** p.m;
  if (v < -lim) return p.yLo;
  if (v >= lim) return p.yHi;
  const u = v + lim;
  const seg = 2 ** (p.m + 1 - p.k);
  const s = Math.floor(u / seg);
  const o = Math.floor((u - s * seg) / 2 ** p.d);
  return p.a[s] + p.b[s] * o;
}

/** Exact [min, max] of evalPwl over integer inputs in [lo, hi]. */
export function pwlRange(p: PwlParams, lo: number, hi: number): [number, number] {
  const lim = 2 ** p.m;
  const seg = 2 ** (p.m + 1 - p.k);
  const v0 = lo * 2 ** p.pre;
  const v1 = hi * 2 ** p.pre;
  let min = Infinity;
  let max = -Infinity;
  const take = (y: number) => {
    min = Math.min(min, y);
    max = Math.max(max, y);
  };
  if (v0 < -lim) take(p.yLo);
  if (v1 >= lim) take(p.yHi);
  const u0 = Math.max(v0, -lim) + lim;
  const u1 = Math.min(v1, lim - 1) + lim;
  if (u0 <= u1) {
    // Inside a segment y is linear in the offset: its extremes are at the ends of the reachable part.
    for (let s = Math.floor(u0 / seg); s <= Math.floor(u1 / seg); s++) {
      const from = Math.max(u0, s * seg) - s * seg;
      const to = Math.min(u1, s * seg + seg - 1) - s * seg;
      take(p.a[s] + p.b[s] * Math.floor(from / 2 ** p.d));
      take(p.a[s] + p.b[s] * Math.floor(to / 2 ** p.d));
    }
  }
  return [min, max];
}

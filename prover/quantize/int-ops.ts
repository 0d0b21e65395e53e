// Integer semantics of every nonlinear step. This file is the spec the circuits implement:
// circuits/*.circom templates must agree with these functions bit for bit on their domains.

/** Thrown when a value leaves the range a layer was compiled for (the circuit would be unsatisfiable). */
export class IntRangeError extends Error {
  constructor(
    readonly what: string,
    readonly value: bigint,
    readonly bits: number,
    readonly signed: boolean,
  ) {
    const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    super(`${what}: ${value} is outside [${lo}, ${hi}] (${bits}-bit ${signed ? "signed" : "unsigned"})`);
    this.name = "IntRangeError";
  }
}

/** floor(x / 2^shift) for any integer x (arithmetic shift; rounds toward -infinity). */
export function floorShift(x: bigint, shift: number): bigint {
  return x >> BigInt(shift);
}

/** Checks -2^(bits-1) <= x < 2^(bits-1). */
export function checkSigned(what: string, x: bigint, bits: number): bigint {
  const half = 1n << BigInt(bits - 1);
  if (x < -half || x >= half) throw new IntRangeError(what, x, bits, true);
  return x;
}

/** Checks 0 <= x < 2^bits. */
export function checkUnsigned(what: string, x: bigint, bits: number): bigint {
  if (x < 0n || x >= 1n << BigInt(bits)) throw new IntRangeError(what, x, bits, false);
  return x;
}

/**
 * Template FloorShift(SHIFT, BITS): out = floor(in / 2^SHIFT), with out a BITS-bit signed integer.
 * Inputs whose quotient does not fit make the circuit unsatisfiable; here they throw.
 */
export function rescale(x: bigint, shift: number, bits: number): bigint {
  return checkSigned("rescale", floorShift(x, shift), bits);
}

/** Template FloorShiftRelu(SHIFT, BITS): out = max(0, floor(in / 2^SHIFT)), quotient BITS-bit signed. */
export function rescaleRelu(x: bigint, shift: number, bits: number): bigint {
  const q = rescale(x, shift, bits);
  return q > 0n ? q : 0n;
}

/** Template ArgMax(N, BITS): index of the first maximum (ONNX ArgMax with select_last_index = 0). */
export function argmax(xs: readonly bigint[]): number {
  if (xs.length === 0) throw new Error("argmax of an empty tensor");
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** Template Max2(BITS): max(a, b) for -2^BITS <= a - b < 2^BITS. */
export function max2(a: bigint, b: bigint, bits: number): bigint {
  const d = a - b;
  const lim = 1n << BigInt(bits);
  if (d < -lim || d >= lim) throw new IntRangeError("max2 difference", d, bits + 1, true);
  return d >= 0n ? a : b;
}

/**
 * Template FloorShiftClip(SHIFT, BITS, HAS_LO, LO, HAS_HI, HI): q = floor(x / 2^SHIFT) (a signed
 * BITS-bit integer), then max(q, LO) when HAS_LO, then min(., HI) when HAS_HI
 * (LO, HI signed BITS-bit, LO <= HI).
 */
export function rescaleClip(x: bigint, shift: number, bits: number, lo: bigint | null, hi: bigint | null): bigint {
  let q = rescale(x, shift, bits);
  if (lo !== null && q < lo) q = lo;
  if (hi !== null && q > hi) q = hi;
  return q;
}

/**
 * Template FloorShiftLeaky(SHIFT, BITS, NEG, T): q = floor(x / 2^SHIFT) (signed BITS-bit), then
 * q * 2^T when q >= 0, else NEG * q (the negative slope NEG / 2^T at the output scale 2^T finer).
 */
export function rescaleLeaky(x: bigint, shift: number, bits: number, neg: bigint, t: number): bigint {
  const q = rescale(x, shift, bits);
  return q >= 0n ? q << BigInt(t) : neg * q;
}

export interface PwlSpec {
  n: number;
  m: number;
  k: number;
  d: number;
  a: readonly bigint[];
  b: readonly bigint[];
  yLo: bigint;
  yHi: bigint;
}

/**
 * Template PiecewiseLinear(N, M, K, D, A, B, Y_LO, Y_HI) on v (a signed N-bit integer):
 * v < -2^M gives Y_LO, v >= 2^M gives Y_HI; otherwise u = v + 2^M, segment s = u >> (M+1-K),
 * offset o = (u mod 2^(M+1-K)) >> D, and the result is A[s] + B[s] * o.
 */
export function piecewiseLinear(v: bigint, p: PwlSpec): bigint {
  checkSigned("piecewise-linear input", v, p.n);
  const lim = 1n << BigInt(p.m);
  if (v < -lim) return p.yLo;
  if (v >= lim) return p.yHi;
  const u = v + lim;
  const w = BigInt(p.m + 1 - p.k);
  const s = Number(u >> w);
  const o = (u & ((1n << w) - 1n)) >> BigInt(p.d);
  return p.a[s] + p.b[s] * o;
}

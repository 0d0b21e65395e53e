// What each kind's quantizer returns (prover/kinds/): the layer's kind-specific integer
// parameters and the range of its core output (before any activation); and the helpers they share.
import { QuantizationError } from "./activation.js";
import type { QuantizationConfig, QuantizedLayer } from "./quantized-model.js";
import type { ValueRange } from "./value-range.js";

type Common = "inputs" | "out" | "outMin" | "outMax" | "bits" | "act" | "errorBound" | "nodes";
export type CoreParams = {
  [K in QuantizedLayer["kind"]]: Omit<Extract<QuantizedLayer, { kind: K }>, Common>;
}[QuantizedLayer["kind"]];

export interface Core {
  params: CoreParams;
  range: ValueRange;
  /** Constraints the core itself costs (max pooling), per layer. */
  cost: number;
}

export interface CoreContext {
  config: QuantizationConfig;
  where: string;
}

/** Integer evaluation happens in float64: every static bound must stay exactly representable. */
export const MAX_SAFE_ACC = 2 ** 52;

export function checkSafe(range: ValueRange, where: string): void {
  for (let i = 0; i < range.lo.length; i++) {
    const m = Math.max(-range.lo[i], range.hi[i]);
    if (m >= MAX_SAFE_ACC) {
      throw new QuantizationError(
        `${where}: accumulator bound 2^${Math.log2(m).toFixed(1)} is too wide; lower inputBits/weightBits`,
      );
    }
  }
}

/** Quantizes `w` to `bits` signed bits with one power-of-two scale; returns the ints and the scale's exponent. */
export function quantizeWeights(w: ArrayLike<number>, bits: number): { q: number[]; frac: number } {
  let m = 0;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  let frac = m > 0 ? Math.floor(Math.log2((2 ** (bits - 1) - 1) / m)) : 0;
  let q = Array.from(w, (v) => Math.round(v * 2 ** frac));
  // Integers that share a factor 2^t are the same values at scale 2^(frac - t): exact, and t
  // fewer bits in every accumulator (a mean's 1/16 is 1 at scale 2^4, not 64 at 2^10).
  if (q.some((v) => v !== 0)) {
    while (q.every((v) => v % 2 === 0)) {
      q = q.map((v) => v / 2);
      frac--;
    }
  }
  return { q, frac };
}

/** [min, max] of a * b over a in [al, ah], b in [bl, bh] (the four corners). */
export function productBounds(al: number, ah: number, bl: number, bh: number): [number, number] {
  const c = [al * bl, al * bh, ah * bl, ah * bh];
  return [Math.min(...c), Math.max(...c)];
}

/** A linear map with weights `w` and bias `b` (null: none) applied to `x`. */
export type LinearApply = (w: readonly number[], b: ArrayLike<number> | null, x: ArrayLike<number>) => Float64Array;

/**
 * Per-element bounds of a linear map with integer weights over the input bounds, through the
 * map's own loop: with w = pos + neg split by sign, lo = pos lo_x + neg hi_x + b and
 * hi = pos hi_x + neg lo_x + b (exact: every term is an integer below 2^52).
 */
export function linearBounds(
  apply: LinearApply,
  weight: readonly number[],
  bias: ArrayLike<number>,
  x: { lo: ArrayLike<number>; hi: ArrayLike<number> },
): { lo: Float64Array; hi: Float64Array } {
  const pos = weight.map((v) => (v > 0 ? v : 0));
  const neg = weight.map((v) => (v < 0 ? v : 0));
  const lo = apply(pos, bias, x.lo);
  const hi = apply(pos, bias, x.hi);
  const loNeg = apply(neg, null, x.hi);
  const hiNeg = apply(neg, null, x.lo);
  for (let i = 0; i < lo.length; i++) {
    lo[i] += loNeg[i];
    hi[i] += hiNeg[i];
  }
  return { lo, hi };
}

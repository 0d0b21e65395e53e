// Quantization of the per-element nonlinear step at the end of a layer: rescale to the target
// scale (rounding), then ReLU / Clip / LeakyRelu, or a piecewise-linear Sigmoid / Tanh.
// Returns the integer parameters, the output's static bounds and error, and a constraint
// estimate (used to decide where max pooling goes).
import { AssayError } from "../errors.js";
import { type ActivationOp, type ClipOp, type LeakyReluOp, PWL_KINDS, type PwlKind } from "../model/float-graph.js";

const isPwl = (spec: ActSpec): spec is Extract<ActivationOp, { kind: PwlKind }> =>
  (PWL_KINDS as readonly string[]).includes(spec.kind);
import { buildPwl, pwlRange } from "./pwl.js";
import type { Activation } from "./quantized-model.js";
import { signedBits } from "./signed-bits.js";
import { maxOf, minOf, type ValueRange } from "./value-range.js";

export class QuantizationError extends AssayError {}

/** What the float graph asks for after a layer ("none": only a rescale). */
export type ActSpec = { kind: "none" } | ActivationOp;

export interface ActResult {
  act: Activation;
  out: ValueRange;
  /** Constraints per element (estimate, exact for the rescale part). */
  cost: number;
}

/** Significant bits kept of the largest LeakyRelu / PRelu slope. */
const SLOPE_BITS = 8;
const MAX_SLOPE_SHIFT = 16;

function slopeShift(slope: ArrayLike<number>): number {
  const m = Math.max(...Array.from(slope, Math.abs));
  if (!(m > 0)) return 0;
  return Math.min(MAX_SLOPE_SHIFT, Math.max(0, SLOPE_BITS - 1 - Math.floor(Math.log2(m))));
}

/** The rescale every kind but Sigmoid / Tanh begins with: q = floor((x + 2^(shift-1)) / 2^shift). */
interface Rescaled {
  shift: number;
  /** Output scale 2^qFrac of q. */
  qFrac: number;
  /** Per-element bounds of q. */
  qlo: Float64Array;
  qhi: Float64Array;
  /** Signed width of q (and 0). */
  bits: number;
  /** Error bound of q: the input's plus the rounding (half a step of the output scale). */
  err: number;
  /** Constraints per element of the rescale. */
  cost: number;
}

function rescaleTo(input: ValueRange, targetFrac: number, where: string): Rescaled {
  const n = input.lo.length;
  const shift = Math.max(0, input.frac - targetFrac);
  const qFrac = input.frac - shift;
  const r = shift > 0 ? 2 ** (shift - 1) : 0;
  const div = 2 ** shift;
  const qlo = new Float64Array(n);
  const qhi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    qlo[i] = Math.floor((input.lo[i] + r) / div);
    qhi[i] = Math.floor((input.hi[i] + r) / div);
  }
  const bits = signedBits(Math.min(0, minOf(qlo)), Math.max(0, maxOf(qhi)));
  if (bits + shift > 250)
    throw new QuantizationError(`${where}: rescale needs ${bits + shift} bits; lower inputBits/weightBits`);
  // Rounding to the nearest step of the output scale.
  const roundErr = shift > 0 ? 2 ** -(qFrac + 1) : 0;
  return { shift, qFrac, qlo, qhi, bits, err: input.err + roundErr, cost: shift + bits };
}

/**
 * Slope and offset bits of Sigmoid / Tanh at most: the segments' own error (about 5e-4 with 64
 * of them) dwarfs finer rounding, and the output scale (twice this) stays small enough for the
 * products recurrent cells take of two approximations (2^48 < 2^52).
 */
export const PWL_MAX_PRECISION = 12;

/** Sigmoid / Tanh: the piecewise-linear approximation reads the input at its own scale (no rescale). */
function quantizePwl(fn: PwlKind, input: ValueRange, precision: number, segmentsLog2?: number): ActResult {
  const n = input.lo.length;
  const bits = Math.min(precision, PWL_MAX_PRECISION);
  const b = buildPwl(fn, input.frac, minOf(input.lo), maxOf(input.hi), bits, segmentsLog2);
  const outLo = new Float64Array(n);
  const outHi = new Float64Array(n);
  for (let i = 0; i < n; i++) [outLo[i], outHi[i]] = pwlRange(b.params, input.lo[i], input.hi[i]);
  return {
    act: { kind: "pwl", pwl: b.params },
    // Both the float value and the approximation lie in the function's range (width 1 for
    // Sigmoid, 2 for Tanh, up to the approximation error): the bound never exceeds that width,
    // which keeps it finite through long recurrences.
    out: {
      frac: b.outFrac,
      lo: outLo,
      hi: outHi,
      err: Math.min(b.lipschitz * input.err, fn === "sigmoid" || fn === "phi" ? 1 : 2) + b.approxError,
    },
    cost: b.cost,
  };
}

function quantizeClip(spec: ClipOp, q: Rescaled): ActResult {
  const { shift, bits, qFrac, qlo, qhi } = q;
  const qmin = -(2 ** (bits - 1));
  const qmax = 2 ** (bits - 1) - 1;
  let lo = spec.min === null ? null : Math.round(spec.min * 2 ** qFrac);
  let hi = spec.max === null ? null : Math.round(spec.max * 2 ** qFrac);
  // ONNX / numpy: min is applied first, then max; min > max gives max everywhere.
  const minOverMax = spec.min !== null && spec.max !== null && spec.max < spec.min;
  if (lo !== null && hi !== null && lo > hi) lo = hi;
  const [loRounded, hiRounded] = [lo, hi];
  // A bound no value can cross is dropped; the others are kept inside the quotient's width.
  if (lo !== null && lo <= minOf(qlo)) lo = null;
  if (hi !== null && hi >= maxOf(qhi)) hi = null;
  if (lo !== null) lo = Math.min(Math.max(lo, qmin), qmax);
  if (hi !== null) hi = Math.min(Math.max(hi, qmin), qmax);
  // Clip is 1-Lipschitz in its bounds: the float and integer Clip differ by at most the larger
  // distance between their bounds (a dropped bound acts as its rounded value on every reachable q).
  const fmin = minOverMax ? spec.max : spec.min;
  const boundErr = Math.max(
    fmin === null ? 0 : Math.abs(fmin - (lo ?? loRounded!) * 2 ** -qFrac),
    spec.max === null ? 0 : Math.abs(spec.max - (hi ?? hiRounded!) * 2 ** -qFrac),
  );
  const clampTo = (v: number) => Math.min(hi ?? Infinity, Math.max(lo ?? -Infinity, v));
  return {
    act: { kind: "clip", shift, bits, lo, hi },
    out: { frac: qFrac, lo: qlo.map(clampTo), hi: qhi.map(clampTo), err: q.err + boundErr },
    // circuits/activation.circom's Cost line: per present bound a product and (but for LO = 0) BITS+1 digits.
    cost: q.cost + (lo === null ? 0 : lo === 0 ? 1 : bits + 2) + (hi === null ? 0 : bits + 2),
  };
}

function quantizeLeakyRelu(spec: LeakyReluOp, q: Rescaled): ActResult {
  const { shift, bits, qFrac, qlo, qhi } = q;
  const n = qlo.length;
  const t = slopeShift(spec.slope);
  const slope = Array.from(spec.slope, (s) => Math.round(s * 2 ** t));
  const outLo = new Float64Array(n);
  const outHi = new Float64Array(n);
  let slopeErr = 0;
  let lip = 1;
  for (let i = 0; i < n; i++) {
    const a = slope[slope.length === 1 ? 0 : i];
    const s = spec.slope[spec.slope.length === 1 ? 0 : i];
    const vals: number[] = [];
    if (qhi[i] >= 0) vals.push(Math.max(qlo[i], 0) * 2 ** t, qhi[i] * 2 ** t);
    if (qlo[i] < 0) vals.push(a * qlo[i], a * Math.min(qhi[i], -1));
    outLo[i] = Math.min(...vals);
    outHi[i] = Math.max(...vals);
    slopeErr = Math.max(slopeErr, Math.abs(s - a * 2 ** -t) * Math.max(0, -qlo[i]) * 2 ** -qFrac);
    lip = Math.max(lip, Math.abs(s));
  }
  return {
    act: { kind: "leakyRelu", shift, bits, slope, slopeShift: t },
    out: { frac: qFrac + t, lo: outLo, hi: outHi, err: lip * q.err + slopeErr },
    cost: q.cost + 1,
  };
}

/**
 * `input` at scale 2^frac goes through `spec`; rescaled outputs target scale 2^targetFrac
 * (never scaled up). `precision` sets the Sigmoid / Tanh approximation's slope and offset bits,
 * `segmentsLog2` its number of segments (default PWL_SEGMENTS_LOG2).
 */
export function quantizeActivation(
  spec: ActSpec,
  input: ValueRange,
  targetFrac: number,
  precision: number,
  where: string,
  segmentsLog2?: number,
): ActResult {
  if (isPwl(spec)) return quantizePwl(spec.kind, input, precision, segmentsLog2);
  const q = rescaleTo(input, targetFrac, where);
  const { shift, bits, qFrac, qlo, qhi } = q;
  switch (spec.kind) {
    case "none":
      return {
        act: { kind: "rescale", shift, bits },
        out: { frac: qFrac, lo: qlo, hi: qhi, err: q.err },
        cost: q.cost,
      };
    case "relu": {
      const lo = qlo.map((v) => Math.max(0, v));
      const hi = qhi.map((v) => Math.max(0, v));
      return { act: { kind: "relu", shift, bits }, out: { frac: qFrac, lo, hi, err: q.err }, cost: q.cost + 1 };
    }
    case "clip":
      return quantizeClip(spec, q);
    case "leakyRelu":
      return quantizeLeakyRelu(spec, q);
  }
}

// Fixed-point quantization with power-of-two scales (see docs/quantization.md for the scheme
// and its error bounds).
//
//   input   x_q = clamp(round(x * 2^fx), min, max)     fx from the calibration range and inputBits
//   weights w_q = round(w * 2^fw)                       fw per layer from max |w| and weightBits
//   bias    b_q = round(b * 2^(fx+fw)) + 2^(shift-1)   the half-LSB turns the floor into rounding
//   layer   y_q = floor((W_q x_q + b_q) / 2^shift)      shift = fx + fw - fy, fy from calibration
//   ReLU    fused: max(0, y_q)
//
// Circuit widths come from *static* bounds over every input in [min, max], not from calibration,
// so any valid input is provable: no overflow, no saturation inside the network.
import { AssayError } from "../errors.js";
import type { FloatGraph } from "../model/float-graph.js";
import { evaluateFloatTrace } from "../model/float-eval.js";
import {
  DEFAULT_QUANTIZATION,
  type DenseLayer,
  type QuantizationConfig,
  type QuantizedLayer,
  type QuantizedModel,
  QUANTIZED_MODEL_FORMAT,
  QUANTIZED_MODEL_VERSION,
} from "./quantized-model.js";

export class QuantizationError extends AssayError {}

/** Accumulators are computed in float64: every static bound must stay exactly representable. */
const MAX_SAFE_ACC = 2 ** 52;

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

/** Largest f with maxValue * 2^f <= limit (limit >= 1). */
function fracFor(maxValue: number, limit: number): number {
  if (!(maxValue > 0)) return 0;
  return Math.floor(Math.log2(limit / maxValue));
}

/** Smallest signed width holding [lo, hi]. */
export function signedBits(lo: number, hi: number): number {
  let b = 1;
  while (lo < -(2 ** (b - 1)) || hi >= 2 ** (b - 1)) b++;
  return b;
}

export function quantize(
  g: FloatGraph,
  calibration: readonly ArrayLike<number>[],
  config: QuantizationConfig = DEFAULT_QUANTIZATION,
): QuantizedModel {
  if (calibration.length === 0) throw new QuantizationError("quantization needs at least one calibration input");
  // Calibration ranges of every tensor.
  const ranges = new Map<string, { min: number; max: number; absMax: number }>();
  for (const x of calibration) {
    for (const [name, t] of evaluateFloatTrace(g, x)) {
      const r = ranges.get(name) ?? { min: Infinity, max: -Infinity, absMax: 0 };
      for (let i = 0; i < t.length; i++) {
        r.min = Math.min(r.min, t[i]);
        r.max = Math.max(r.max, t[i]);
      }
      r.absMax = Math.max(Math.abs(r.min), Math.abs(r.max));
      ranges.set(name, r);
    }
  }

  const inRange = ranges.get(g.input.name)!;
  const signed = inRange.min < 0;
  const inMaxInt = signed ? 2 ** (config.inputBits - 1) - 1 : 2 ** config.inputBits - 1;
  const inFrac = fracFor(inRange.absMax, inMaxInt);
  const input = {
    shape: g.input.shape,
    frac: inFrac,
    min: signed ? -(2 ** (config.inputBits - 1)) : 0,
    max: inMaxInt,
    signed,
  };

  const layers: QuantizedLayer[] = [];
  // A-priori bound on |float activation - dequantized activation| per element (real units), for
  // inputs inside the calibrated input range: input rounding, then propagated layer by layer.
  let errIn = 2 ** -(inFrac + 1);
  let cur = { frac: inFrac, min: new Array<number>(g.input.shape.reduce((a, b) => a * b, 1)).fill(input.min), max: new Array<number>(0) };
  cur.max = cur.min.map(() => input.max);
  for (let k = 0; k < g.ops.length; k++) {
    const op = g.ops[k];
    if (op.kind === "relu") {
      const prev = layers[layers.length - 1];
      if (!prev || g.ops[k - 1]?.kind !== "dense" && g.ops[k - 1]?.kind !== "relu") {
        throw new QuantizationError(`Relu "${op.nodes[0]}" must follow a dense layer`);
      }
      if (!prev.relu) {
        prev.relu = true;
        prev.outMin = prev.outMin.map((v) => Math.max(0, v));
        prev.outMax = prev.outMax.map((v) => Math.max(0, v));
        prev.out.min = Math.max(0, prev.out.min);
        prev.out.max = Math.max(0, prev.out.max);
        prev.nodes.push(...op.nodes);
        cur = { frac: prev.out.frac, min: prev.outMin, max: prev.outMax };
      }
      continue;
    }
    const wMax = maxAbs(op.weight);
    const wFrac = fracFor(wMax, 2 ** (config.weightBits - 1) - 1);
    // Calibrated range of what this layer hands on (after a following ReLU, if any).
    const followedByRelu = g.ops[k + 1]?.kind === "relu";
    const r = ranges.get(followedByRelu ? g.ops[k + 1].output : op.output)!;
    let outFrac = fracFor(r.absMax, 2 ** (config.activationBits - 1) - 1);
    let shift = cur.frac + wFrac - outFrac;
    if (shift < 0) {
      shift = 0;
      outFrac = cur.frac + wFrac;
    }
    const weight = Array.from(op.weight, (w) => Math.round(w * 2 ** wFrac));
    const half = shift > 0 ? 2 ** (shift - 1) : 0;
    const bias = Array.from(op.bias, (b) => Math.round(b * 2 ** (cur.frac + wFrac)) + half);
    const outMin: number[] = [];
    const outMax: number[] = [];
    let qLo = 0;
    let qHi = 0;
    let errOut = 0;
    const inScale = 2 ** -cur.frac;
    for (let j = 0; j < op.outFeatures; j++) {
      let lo = bias[j];
      let hi = bias[j];
      // |sum w a - sum w_q a_q| <= sum |w| |a - a_q| + sum |w - w_q| |a_q|, plus bias and rescale rounding.
      let err = Math.abs(op.bias[j] - (bias[j] - half) * 2 ** -(cur.frac + wFrac)) + (shift > 0 ? 2 ** -(outFrac + 1) : 0);
      for (let i = 0; i < op.inFeatures; i++) {
        const w = weight[j * op.inFeatures + i];
        const a = w * cur.min[i];
        const b = w * cur.max[i];
        lo += Math.min(a, b);
        hi += Math.max(a, b);
        const wf = op.weight[j * op.inFeatures + i];
        err += Math.abs(wf) * errIn + Math.abs(wf - w * 2 ** -wFrac) * Math.max(Math.abs(cur.min[i]), Math.abs(cur.max[i])) * inScale;
      }
      errOut = Math.max(errOut, err);
      if (Math.max(Math.abs(lo), Math.abs(hi)) >= MAX_SAFE_ACC) {
        throw new QuantizationError(`layer "${op.nodes[0]}": accumulator bound 2^${Math.log2(Math.max(-lo, hi)).toFixed(1)} is too wide; lower inputBits/weightBits`);
      }
      const ql = Math.floor(lo / 2 ** shift);
      const qh = Math.floor(hi / 2 ** shift);
      qLo = Math.min(qLo, ql);
      qHi = Math.max(qHi, qh);
      outMin.push(ql);
      outMax.push(qh);
    }
    const bits = signedBits(qLo, qHi);
    const layer: DenseLayer = {
      kind: "dense",
      inFeatures: op.inFeatures,
      outFeatures: op.outFeatures,
      weight,
      bias,
      wFrac,
      shift,
      relu: false,
      bits,
      out: { shape: [1, op.outFeatures], frac: outFrac, min: qLo, max: qHi },
      outMin,
      outMax,
      errorBound: errOut,
      nodes: [...op.nodes],
    };
    layers.push(layer);
    errIn = errOut;
    cur = { frac: outFrac, min: outMin, max: outMax };
  }

  const last = layers[layers.length - 1];
  return {
    format: QUANTIZED_MODEL_FORMAT,
    version: QUANTIZED_MODEL_VERSION,
    config,
    input,
    layers,
    output: { ...last.out, shape: g.output.shape, head: g.head, errorBound: last.errorBound },
    source: { inputName: g.input.onnxName, outputName: g.output.onnxName, opset: g.opset },
  };
}

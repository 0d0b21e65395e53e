// Calibration: the float model run on the calibration inputs gives max |v| of every tensor (which
// sets its scale) and the input's sign; the input's fixed-point encoding follows from them.
import type { FloatGraph } from "../model/float-graph.js";
import { shapeSize } from "../model/float-graph.js";
import { QuantizationError } from "../quantize/activation.js";
import type { FixedPointTensor, QuantizationConfig } from "../quantize/quantized-model.js";
import { fracFor, type ValueRange } from "../quantize/value-range.js";
import { evaluateFloatTrace } from "./float-eval.js";

export interface Calibration {
  /** max |v| of every tensor of the float graph over the calibration inputs. */
  absMax: Map<string, number>;
  /** The smallest input element seen. */
  inMin: number;
  /** The float model's output values on each calibration input, in order. */
  outputs: Float64Array[];
}

export function calibrate(g: FloatGraph, calibration: readonly ArrayLike<number>[]): Calibration {
  if (calibration.length === 0) throw new QuantizationError("quantization needs at least one calibration input");
  const absMax = new Map<string, number>();
  let inMin = Infinity;
  const outputs: Float64Array[] = [];
  for (const x of calibration) {
    const trace = evaluateFloatTrace(g, x);
    outputs.push(trace.get(g.output.name)!);
    for (const [name, t] of trace) {
      let m = absMax.get(name) ?? 0;
      for (let i = 0; i < t.length; i++) {
        const a = Math.abs(t[i]);
        if (a > m) m = a;
        if (name === g.input.name && t[i] < inMin) inMin = t[i];
      }
      absMax.set(name, m);
    }
  }
  // A tree ensemble's tested values cover its thresholds: clamping a value beyond the range to
  // its bound then changes no test (every threshold lies inside), so trees are exact on inputs
  // outside the calibrated range too.
  for (const op of g.ops) {
    if (op.kind !== "trees") continue;
    let m = absMax.get(op.inputs[0]) ?? 0;
    op.feature.forEach((f, n) => {
      if (f >= 0) m = Math.max(m, Math.abs(op.threshold[n]) * (1 + 2 ** -12));
    });
    absMax.set(op.inputs[0], m);
    if (op.inputs[0] === g.input.name) {
      op.feature.forEach((f, n) => {
        if (f >= 0 && op.threshold[n] < inMin) inMin = op.threshold[n];
      });
    }
  }
  return { absMax, inMin, outputs };
}

/**
 * The input's encoding (unsigned when every calibration element is >= 0, else signed; the largest
 * scale that keeps the calibrated max |x| inside inputBits) and its range: every integer in
 * [min, max], with the rounding error of inputs that need no clamping.
 */
export function quantizedInput(
  g: FloatGraph,
  cal: Calibration,
  config: QuantizationConfig,
): { input: FixedPointTensor & { signed: boolean }; range: ValueRange } {
  const signed = cal.inMin < 0;
  const max = signed ? 2 ** (config.inputBits - 1) - 1 : 2 ** config.inputBits - 1;
  const min = signed ? -(2 ** (config.inputBits - 1)) : 0;
  // Integer inputs (token ids) stay integers: scale 1 when they fit, coarser (and unusable by an
  // embedding, which then fails to quantize and the search widens the input) when not.
  const fitted = fracFor(cal.absMax.get(g.input.name)!, max);
  const frac = g.input.integer ? Math.min(0, fitted) : fitted;
  const size = shapeSize(g.input.shape);
  return {
    input: { shape: g.input.shape, frac, min, max, signed, ...(g.input.integer ? { integer: true } : {}) },
    range: {
      frac,
      lo: new Float64Array(size).fill(min),
      hi: new Float64Array(size).fill(max),
      // Integers at scale 1 are exact.
      err: g.input.integer && frac === 0 ? 0 : 2 ** -(frac + 1),
    },
  };
}

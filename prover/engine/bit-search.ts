// Calibration to a target: the bit widths are searched, not hand-picked. Settings are tried from
// the cheapest up (a fixed ladder: wider inputs first, which cost range checks on the input only,
// then wider weights and activations), each quantized and run by the integer evaluator on the
// calibration inputs against the float model, and the first that meets the target is taken:
//
//   accuracy   (the default) agreement >= minAgreement (99.5%) on the calibration inputs. For a
//              model with an ArgMax / Softmax head, agreement is the share of inputs whose labels
//              (every group) equal the float model's; for a model that outputs values, the share
//              whose every value is within 1% of the largest |float output| seen on calibration.
//              A model with a tree ensemble also needs every tested value to lie clear of the
//              thresholds (engine/tree-paths.ts), which guarantees every tree reaches the float
//              model's leaf: wider inputs cost a tree only two range checks per feature.
//   resources  the cheapest setting (the ladder's first), whatever its agreement.
//
// Bit widths given explicitly are used as given (one step, measured). When no setting meets the
// target, the one with the highest agreement is taken and the result says so.
import { type FloatGraph, PWL_KINDS } from "../model/float-graph.js";
import { argmaxAlong } from "../model/head.js";
import { DEFAULT_QUANTIZATION, type QuantizationConfig, type QuantizedModel } from "../quantize/quantized-model.js";
import { QuantizationError } from "../quantize/activation.js";
import { evaluateInteger } from "./evaluate.js";
import { quantize } from "./fixed-point.js";
import { calibrate } from "./calibration.js";
import { hasTrees, treePaths } from "./tree-paths.js";

export interface QuantizationTarget {
  kind: "accuracy" | "resources";
  /** Accuracy target: the least agreement accepted (default 0.995). */
  minAgreement?: number;
}

export const DEFAULT_TARGET: QuantizationTarget = { kind: "accuracy", minAgreement: 0.995 };

/** Settings in the order they are tried (cheapest first); the first is the default. */
export const SEARCH_LADDER: readonly QuantizationConfig[] = [
  DEFAULT_QUANTIZATION,
  { inputBits: 10, weightBits: 8, activationBits: 10 },
  { inputBits: 12, weightBits: 8, activationBits: 12 },
  { inputBits: 12, weightBits: 10, activationBits: 12 },
  { inputBits: 16, weightBits: 8, activationBits: 12 },
  { inputBits: 16, weightBits: 10, activationBits: 14 },
  { inputBits: 20, weightBits: 8, activationBits: 12 },
  { inputBits: 20, weightBits: 10, activationBits: 14 },
  { inputBits: 24, weightBits: 12, activationBits: 16 },
  { inputBits: 28, weightBits: 12, activationBits: 16 },
  { inputBits: 32, weightBits: 16, activationBits: 16 },
  { inputBits: 36, weightBits: 16, activationBits: 16 },
];

export interface SearchStep {
  config: QuantizationConfig;
  /** Agreement on the calibration inputs, or why the setting could not be quantized. */
  agreement?: number;
  error?: string;
}

export interface SearchResult {
  config: QuantizationConfig;
  model: QuantizedModel;
  target: QuantizationTarget | "given";
  met: boolean;
  tried: SearchStep[];
}

/** Agreement of `q` with the float outputs `fs` of `g` on `xs` (see the header). */
export function calibrationAgreement(
  q: QuantizedModel,
  xs: readonly ArrayLike<number>[],
  fs: Float64Array[],
  g?: FloatGraph,
): number {
  const { head, headSpec, valueShape } = q.output;
  const labels = head !== "none";
  const scale = Math.max(1e-12, ...fs.map((f) => Math.max(...Array.from(f, Math.abs))));
  let ok = 0;
  const trees = g !== undefined && hasTrees(q);
  xs.forEach((x, s) => {
    if (trees) {
      const p = treePaths(g, q, x)!;
      if (p.near || !p.exact) return;
    }
    const r = evaluateInteger(q, x);
    if (labels) {
      const want = argmaxAlong(fs[s], valueShape, headSpec.axis, headSpec.selectLastIndex);
      if (want.every((l, i) => l === r.labels[i])) ok++;
    } else if (fs[s].every((v, i) => Math.abs(v - r.dequantized[i]) <= 0.01 * scale)) ok++;
  });
  return ok / xs.length;
}

/** Quantizes `g` to meet `target` on the calibration inputs (or with the widths `given`). */
export function searchQuantization(
  g: FloatGraph,
  xs: readonly ArrayLike<number>[],
  target: QuantizationTarget = DEFAULT_TARGET,
  given?: Partial<QuantizationConfig>,
): SearchResult {
  // One calibration run serves every step: its scales, and the float outputs agreement is measured against.
  const calibrated = calibrate(g, xs);
  const fs = calibrated.outputs;
  // Only the widths actually given (an option left out is undefined, not a width).
  const widths = Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined));
  const explicit = Object.keys(widths).length > 0;
  // With Sigmoid / Tanh in the graph, coarser approximations (32 segments: 32 fewer decoder
  // constraints per element) come first.
  const smooth = g.ops.some((op) => (PWL_KINDS as readonly string[]).includes(op.kind));
  const ladder = explicit
    ? [{ ...DEFAULT_QUANTIZATION, ...widths }]
    : [...(smooth ? [{ ...SEARCH_LADDER[0], pwlSegmentsLog2: 5 }] : []), ...SEARCH_LADDER].slice(
        0,
        target.kind === "resources" ? 1 : undefined,
      );
  const min = explicit || target.kind === "resources" ? 0 : (target.minAgreement ?? 0.995);
  const tried: SearchStep[] = [];
  let best: { model: QuantizedModel; agreement: number } | undefined;
  for (const config of ladder) {
    let model: QuantizedModel;
    try {
      model = quantize(g, xs, config, { calibrated });
    } catch (e) {
      if (!(e instanceof QuantizationError)) throw e;
      tried.push({ config, error: e.message });
      continue;
    }
    const agreement = calibrationAgreement(model, xs, fs, g);
    tried.push({ config, agreement });
    if (!best || agreement > best.agreement) best = { model, agreement };
    if (agreement >= min) return { config, model, target: explicit ? "given" : target, met: true, tried };
  }
  if (!best) throw new QuantizationError(`no setting could be quantized: ${tried.map((t) => t.error).join("; ")}`);
  return { config: best.model.config, model: best.model, target: explicit ? "given" : target, met: false, tried };
}

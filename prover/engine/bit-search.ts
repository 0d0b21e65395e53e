// Calibration to a target: the bit widths are searched, not hand-picked, for the fewest predicted
// constraints (./cost.ts) that meet the target on the calibration inputs. Every setting is
// quantized and run by the integer evaluator on the calibration inputs against the float model.
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
// The accuracy search runs in two phases:
//   1. model-wide: the settings of a fixed ladder (wider inputs, weights and activations), tried
//      in the order of their predicted constraints; the first that meets the target is taken.
//   2. per layer: from there, one ONNX layer at a time (the most expensive first), its activation
//      or weight width two bits lower. A change is kept when it saves constraints, still meets the
//      target, and the output's RMS error on calibration stays within ERROR_SLACK (1.1x) of phase
//      1's: label agreement on a few dozen calibration inputs cannot tell a setting at the edge
//      from a safe one (measured: without that guard, narrowings that kept 100% on 64 calibration
//      inputs lost up to 3% agreement on held-out ones). The input width is a candidate too, two
//      bits lower but never below the default's, under the same guard: the ladder widens inputs
//      together with weights and activations, and a model that needed wider weights seldom needs
//      the wider input (the CIFAR-sized CNN: 12 -> 10 input bits, 538k -> 494k constraints, which
//      halves its proving domain). Passes repeat until nothing changes or the budget of evaluations
//      (layerSteps, 48) is spent.
//
// Bit widths given explicitly are used as given (one step, measured). When no setting meets the
// target, the one with the highest agreement is taken and the result says so.
import { type FloatGraph, PWL_KINDS } from "../model/float-graph.js";
import { argmaxAlong } from "../model/head.js";
import {
  DEFAULT_QUANTIZATION,
  type LayerWidths,
  type QuantizationConfig,
  type QuantizedModel,
  widthsFor,
} from "../quantize/quantized-model.js";
import { QuantizationError } from "../quantize/activation.js";
import { evaluateInteger } from "./evaluate.js";
import { quantizeTraced, type Traced } from "./fixed-point.js";
import { type Calibration, calibrate } from "./calibration.js";
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

/** A width the per-layer phase changes: one layer's, or the model's input width. */
export type LayerWidth = keyof LayerWidths | "inputBits";

export interface SearchStep {
  config: QuantizationConfig;
  /** A per-layer step: the layer (its ONNX nodes), the width changed, and whether the change was kept. */
  change?: { layer: string; width: LayerWidth; from: number; to: number; kept: boolean };
  /** Agreement on the calibration inputs, or why the setting could not be quantized. */
  agreement?: number;
  /** Output error on the calibration inputs (Fidelity.error). */
  outputError?: number;
  /** The circuit's predicted constraints (engine/cost.ts). */
  constraints?: number;
  error?: string;
}

export interface SearchResult {
  config: QuantizationConfig;
  model: QuantizedModel;
  /** Predicted constraints of the chosen setting. */
  constraints: number;
  target: QuantizationTarget | "given";
  met: boolean;
  tried: SearchStep[];
}

export interface SearchOptions {
  /** Evaluations the per-layer phase may spend (default 48; 0: the model-wide phase only). */
  layerSteps?: number;
}

/** Narrowest widths the per-layer phase goes down to. */
const FLOOR: Record<LayerWidth, number> = {
  weightBits: 4,
  activationBits: 6,
  inputBits: DEFAULT_QUANTIZATION.inputBits,
};
/** The per-layer phase's name for the input width's candidate. */
const INPUT_CANDIDATE = "input";
const DEFAULT_LAYER_STEPS = 48;
const ERROR_SLACK = 1.1;

/** What one setting achieves on the calibration inputs. */
export interface Fidelity {
  /** Share of inputs that agree with the float model (see the header). */
  agreement: number;
  /** Root mean square of the output's error, over every value of every input, relative to the output scale. */
  error: number;
}

/** Agreement and error of `q` against the float outputs `fs` of `g` on `xs` (see the header). */
export function calibrationFidelity(
  q: QuantizedModel,
  xs: readonly ArrayLike<number>[],
  fs: Float64Array[],
  g?: FloatGraph,
): Fidelity {
  const { head, headSpec, valueShape } = q.output;
  const labels = head !== "none";
  const scale = Math.max(1e-12, ...fs.map((f) => Math.max(...Array.from(f, Math.abs))));
  let ok = 0;
  let sq = 0;
  let count = 0;
  const trees = g !== undefined && hasTrees(q);
  xs.forEach((x, s) => {
    const r = evaluateInteger(q, x);
    fs[s].forEach((v, i) => {
      sq += ((v - r.dequantized[i]) / scale) ** 2;
      count++;
    });
    if (trees) {
      const p = treePaths(g, q, x)!;
      if (p.near || !p.exact) return;
    }
    if (labels) {
      const want = argmaxAlong(fs[s], valueShape, headSpec.axis, headSpec.selectLastIndex);
      if (want.every((l, i) => l === r.labels[i])) ok++;
    } else if (fs[s].every((v, i) => Math.abs(v - r.dequantized[i]) <= 0.01 * scale)) ok++;
  });
  return { agreement: ok / xs.length, error: Math.sqrt(sq / Math.max(1, count)) };
}

interface Point {
  config: QuantizationConfig;
  traced: Traced;
  agreement: number;
  error: number;
}

/** What every step of one search shares. */
interface Search {
  g: FloatGraph;
  xs: readonly ArrayLike<number>[];
  fs: Float64Array[];
  calibrated: Calibration;
  tried: SearchStep[];
}

function traceOrError(s: Search, config: QuantizationConfig): Traced | string {
  try {
    return quantizeTraced(s.g, s.xs, config, { calibrated: s.calibrated });
  } catch (e) {
    if (!(e instanceof QuantizationError)) throw e;
    return e.message;
  }
}

/** `config` with one width of the layer keyed `key` set to `to`. */
function withWidth(config: QuantizationConfig, key: string, width: LayerWidth, to: number): QuantizationConfig {
  if (width === "inputBits") return { ...config, inputBits: to };
  const before = Object.entries(config.layers ?? {});
  const own = { ...before.find(([k]) => k === key)?.[1], [width]: to };
  // A layer back at the model's widths needs no entry of its own.
  if (own.weightBits === config.weightBits) delete own.weightBits;
  if (own.activationBits === config.activationBits) delete own.activationBits;
  // Own properties only, whatever a tensor is called ("__proto__" included).
  const rest = before.filter(([k]) => k !== key);
  const layers = Object.fromEntries(Object.keys(own).length > 0 ? [...rest, [key, own]] : rest);
  return { ...config, layers };
}

interface Candidate {
  /** The keys of the layer's float ops. */
  keys: string[];
  layer: string;
  width: LayerWidth;
}

/**
 * The widths one step may change: the input width, then each ONNX layer's activation and weight
 * widths (one candidate whatever the float ops the layer became: an unrolled LSTM's steps change
 * together), the most expensive layer first.
 */
function layerCandidates(traced: Traced): Candidate[] {
  const groups = new Map<string, { keys: string[]; cost: number; label: string }>();
  traced.keys.forEach((key, k) => {
    const nodes = [...new Set(traced.model.layers[k].nodes)];
    const id = nodes.join("+");
    // Named by its first and last ONNX node (a fused LayerNorm is nine).
    const label = nodes.length <= 2 ? id : `${nodes[0]}…${nodes.at(-1)}`;
    const gr = groups.get(id) ?? { keys: [], cost: 0, label };
    if (!gr.keys.includes(key)) gr.keys.push(key);
    gr.cost += traced.costs[k];
    groups.set(id, gr);
  });
  const input: Candidate = { keys: [INPUT_CANDIDATE], layer: INPUT_CANDIDATE, width: "inputBits" };
  return [
    input,
    ...[...groups]
      .sort((a, b) => b[1].cost - a[1].cost)
      .flatMap(([, { keys, label }]) =>
        (["activationBits", "weightBits"] as const).map((width) => ({ keys, layer: label, width })),
      ),
  ];
}

/** Phase 2 (see the header): narrows one width at a time while the target holds. */
function refinePerLayer(s: Search, start: Point, min: number, budget: number, maxError: number): Point {
  let cur = start;
  let spent = 0;
  const rejected = new Set<string>();
  for (let changed = true; changed && spent < budget;) {
    changed = false;
    for (const { keys, layer, width } of layerCandidates(cur.traced)) {
      if (spent >= budget) break;
      const from = widthsFor(cur.config, keys[0])[width];
      const to = from - 2;
      if (to < FLOOR[width]) continue;
      // A narrowing that missed the target once is not tried again (narrower neighbours only add error).
      const id = `${layer}\u0000${width}\u0000${to}`;
      if (rejected.has(id)) continue;
      const config = keys.reduce((acc, key) => withWidth(acc, key, width, to), cur.config);
      const t = traceOrError(s, config);
      // Only a change that saves constraints is worth an evaluation.
      if (typeof t === "string" || t.constraints >= cur.traced.constraints) continue;
      spent++;
      const { agreement, error } = calibrationFidelity(t.model, s.xs, s.fs, s.g);
      const kept = agreement >= min && error <= maxError;
      const change = { layer, width, from, to, kept };
      s.tried.push({ config, change, agreement, outputError: error, constraints: t.constraints });
      if (kept) {
        cur = { config, traced: t, agreement, error };
        changed = true;
      } else rejected.add(id);
    }
  }
  return cur;
}

/** Quantizes `g` to meet `target` on the calibration inputs (or with the widths `given`). */
export function searchQuantization(
  g: FloatGraph,
  xs: readonly ArrayLike<number>[],
  target: QuantizationTarget = DEFAULT_TARGET,
  given?: Partial<QuantizationConfig>,
  options: SearchOptions = {},
): SearchResult {
  // One calibration run serves every step: its scales, and the float outputs agreement is measured against.
  const calibrated = calibrate(g, xs);
  const s: Search = { g, xs, fs: calibrated.outputs, calibrated, tried: [] };
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
  // Phase 1: every setting quantized (cheap), then evaluated in the order of predicted constraints.
  const rungs = ladder.map((config) => ({ config, t: traceOrError(s, config) }));
  for (const { config, t } of rungs) if (typeof t === "string") s.tried.push({ config, error: t });
  const ok = rungs
    .filter((r): r is { config: QuantizationConfig; t: Traced } => typeof r.t !== "string")
    .sort((a, b) => a.t.constraints - b.t.constraints);
  let best: Point | undefined;
  let met: Point | undefined;
  for (const { config, t } of ok) {
    const { agreement, error } = calibrationFidelity(t.model, xs, s.fs, g);
    s.tried.push({ config, agreement, outputError: error, constraints: t.constraints });
    if (!best || agreement > best.agreement) best = { config, traced: t, agreement, error };
    if (agreement >= min) {
      met = { config, traced: t, agreement, error };
      break;
    }
  }
  const goal = explicit ? ("given" as const) : target;
  if (!best) throw new QuantizationError(`no setting could be quantized: ${s.tried.map((t) => t.error).join("; ")}`);
  const budget = explicit || target.kind === "resources" ? 0 : (options.layerSteps ?? DEFAULT_LAYER_STEPS);
  // Per layer, the output error may not grow past phase 1's by more than ERROR_SLACK: label
  // agreement on a few dozen calibration inputs cannot tell a setting at the edge from a safe one.
  // Nothing met: the best setting as it is.
  const end = !met ? best : budget > 0 ? refinePerLayer(s, met, min, budget, ERROR_SLACK * met.error) : met;
  const { config, traced } = end;
  return { config, model: traced.model, constraints: traced.constraints, target: goal, met: !!met, tried: s.tried };
}

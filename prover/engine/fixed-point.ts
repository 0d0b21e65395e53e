// Fixed-point quantization with power-of-two scales (see docs/quantization.md for the scheme
// and its error bounds).
//
//   input   x_q = clamp(round(x * 2^fx), min, max)      fx from the calibration range and inputBits
//   weights w_q = round(w * 2^fw)                        fw per layer from max |w| and weightBits
//   linear  acc = W_q x_q + b_q                          b_q = round(b * 2^(fx+fw)): exact integers
//   rescale y_q = floor((acc + 2^(s-1)) / 2^s)           s = fx + fw - fy, fy from the calibrated
//                                                        range of y and activationBits
//   then ReLU / Clip / LeakyRelu on y_q, or a piecewise-linear Sigmoid / Tanh on acc.
//
// Layers are formed from the float DAG: a linear core (dense, conv, average pool, affine, add,
// data movement) or a max pool, quantized by its kind (prover/kinds/), plus the activation that
// follows it when it is the core's only reader. Max pooling commutes with floor rescaling and
// every monotone activation that is one function for all elements, so a max pool after
// (conv -> activation) runs on the raw accumulators when that needs fewer constraints
// (pool-placement.ts).
// Raw accumulators also flow into the kinds that read raw (Add, data movement, MaxPool, trees,
// Softmax) and into a linear reader that composes exactly and costs less to rescale after
// (linearChainOk); a rescale is inserted before any other reader (and at the output).
//
// Circuit widths come from *static* bounds over every input in [min, max], not from calibration,
// so any valid input is provable: no overflow, no saturation inside the network.
import { floatKindOf, readsRaw } from "../kinds/index.js";
import type { ActivationOp, FloatGraph, FloatOp } from "../model/float-graph.js";
import { isActivation } from "../model/float-graph.js";
import { type ActResult, type ActSpec, QuantizationError, quantizeActivation } from "../quantize/activation.js";
import type { Core } from "../quantize/core.js";
import {
  DEFAULT_QUANTIZATION,
  type QuantizationConfig,
  type QuantizedLayer,
  type QuantizedModel,
  QUANTIZED_MODEL_FORMAT,
  QUANTIZED_MODEL_VERSION,
  widthsFor,
} from "../quantize/quantized-model.js";
import { signedBits } from "../quantize/signed-bits.js";
import { fracFor, maxOf, minOf, type ValueRange } from "../quantize/value-range.js";
import { type Calibration, calibrate, quantizedInput } from "./calibration.js";
import { estimateConstraints } from "./cost.js";
import { commutesWithMax, placePool, type PoolingOption } from "./pool-placement.js";

export { QuantizationError } from "../quantize/activation.js";
export { signedBits } from "../quantize/signed-bits.js";

export interface QuantizeOptions {
  /**
   * Where a max pool that follows a layer (and its monotone activation) runs: "auto" picks the
   * placement with fewer constraints; "raw" pools the raw accumulators, then rescales;
   * "rescaled" rescales every element, then pools. (Same function: max commutes with the
   * rescale and the activation; only the output scale may differ when windows skip elements.)
   */
  pooling?: PoolingOption;
  /** The calibration already run on these inputs (a search quantizing several settings runs it once). */
  calibrated?: Calibration;
}

/** A quantized tensor: the layer that writes it (-1: the model input) and its range. */
interface Ref {
  layer: number;
  range: ValueRange;
}

/** What the walk over the float graph carries from op to op. */
interface GraphState {
  g: FloatGraph;
  config: QuantizationConfig;
  /** The widths of the op being quantized (the config with its layer's own widths). */
  cfg: QuantizationConfig;
  pooling: PoolingOption;
  absMax: Map<string, number>;
  consumers: Map<string, FloatOp[]>;
  refs: Map<string, Ref>;
  layers: QuantizedLayer[];
  /** Per layer: the float tensor its output approximates. */
  tensors: string[];
  /** Per layer: the constraints its core and step cost (./cost.ts). */
  costs: number[];
  /** Per layer: the key of its own widths in QuantizationConfig.layers (layerKey). */
  keys: string[];
  /** Activations already fused into the layer before them. */
  fused: Set<FloatOp>;
  /** Activations handed to a max pool (it applies them to the pooled raw values). */
  pendingAct: Map<FloatOp, ActivationOp>;
}

/**
 * The key of an op's own widths (QuantizationConfig.layers): the ONNX nodes it came from, so the
 * float ops of one node (an unrolled LSTM's steps, a fused LayerNorm) share one entry; the tensor
 * it writes when those nodes have no names.
 */
export function layerKey(op: FloatOp): string {
  const key = [...new Set(op.nodes)].join("+");
  return key === "" ? op.output : key;
}

/** The scale calibrated for a tensor: its max |v| fills activationBits. */
function targetFrac(s: GraphState, name: string): number {
  return fracFor(s.absMax.get(name) ?? 0, 2 ** (s.cfg.activationBits - 1) - 1);
}

/** The only reader of a tensor (none for the graph output). */
function sole(s: GraphState, name: string): FloatOp | undefined {
  const c = s.consumers.get(name) ?? [];
  return c.length === 1 && name !== s.g.output.name ? c[0] : undefined;
}

function act(s: GraphState, spec: ActSpec, range: ValueRange, name: string, where: string): ActResult {
  const segments = s.cfg.pwlSegmentsLog2;
  return quantizeActivation(spec, range, targetFrac(s, name), s.cfg.activationBits, where, segments);
}

/**
 * The activation a layer ends with: the op itself when it is one, one a layer before handed to
 * this max pool, or the op's sole reader (then fused: the layer writes the activation's tensor).
 */
function fuseActivation(s: GraphState, op: FloatOp): { spec?: ActivationOp; nodes: string[]; outName: string } {
  const nodes = [...op.nodes];
  if (isActivation(op)) return { spec: op, nodes, outName: op.output };
  const pending = s.pendingAct.get(op);
  if (pending) return { spec: pending, nodes: [...nodes, ...pending.nodes], outName: op.output };
  const next = sole(s, op.output);
  if (next && isActivation(next)) {
    s.fused.add(next);
    return { spec: next, nodes: [...nodes, ...next.nodes], outName: next.output };
  }
  return { nodes, outName: op.output };
}

/**
 * Whether a core may hand its raw values to the linear layer reading it: an elementwise affine
 * core to a dense / conv (a Scaler before a regression), a Softmax to the MatMul weighing V by it
 * (attention: more weights than outputs), any core to a dense / conv with fewer outputs than its
 * values. The two compose exactly, and the rescale between them would cost a FloorShift per
 * element where the reader's own rescale costs a few more digits on fewer elements. Only when the
 * reader's accumulators stay exact.
 */
function linearChainOk(s: GraphState, core: Core, reader: FloatOp, outName: string, where: string): boolean {
  const linear = reader.kind === "dense" || reader.kind === "conv";
  const chain =
    (core.params.kind === "affine" && linear) ||
    (core.params.kind === "softmax" && reader.kind === "matmul" && reader.inputs[0] === outName) ||
    // A reduction (a mean over the sequence, a dense layer narrower than its input): its fewer
    // outputs are cheaper to rescale than these values.
    (linear && reader.size < core.range.lo.length);
  if (!chain) return false;
  const ranges = reader.inputs.map((name) => (name === outName ? core.range : s.refs.get(name)?.range));
  if (ranges.some((r) => r === undefined)) return false;
  try {
    floatKindOf(reader).quantize(reader, ranges as ValueRange[], {
      config: widthsFor(s.config, layerKey(reader)),
      where,
    });
    return true;
  } catch (e) {
    if (e instanceof QuantizationError) return false;
    throw e;
  }
}

/** The step after a core that no max pool follows: its activation, or a rescale unless a raw reader follows. */
function finalActivation(
  s: GraphState,
  spec: ActivationOp | undefined,
  core: Core,
  outName: string,
  where: string,
): ActResult | undefined {
  if (spec) return act(s, spec, core.range, outName, where);
  if (core.range.frac <= targetFrac(s, outName)) return undefined;
  // A tree ensemble's class scores are exact sums of leaf weights: the ArgMax head reads them as
  // they are (a rescale would only add constraints and ties).
  if (core.params.kind === "trees" && outName === s.g.output.name && s.g.head === "argmax") return undefined;
  const readers = s.consumers.get(outName) ?? [];
  const rawOk =
    outName !== s.g.output.name &&
    readers.length === 1 &&
    (readsRaw(readers[0].kind) || linearChainOk(s, core, readers[0], outName, where));
  return rawOk ? undefined : act(s, { kind: "none" }, core.range, outName, where);
}

function pushLayer(
  s: GraphState,
  core: Core,
  ins: Ref[],
  result: ActResult | undefined,
  nodes: string[],
  size: number,
  tensor: string,
  key: string,
): Ref {
  const range = result ? result.out : core.range;
  const lo = minOf(range.lo);
  const hi = maxOf(range.hi);
  s.layers.push({
    ...core.params,
    inputs: ins.map((r) => r.layer),
    out: { shape: [size], frac: range.frac, min: lo, max: hi },
    outMin: Array.from(range.lo),
    outMax: Array.from(range.hi),
    bits: signedBits(Math.min(0, lo), Math.max(0, hi)),
    ...(result ? { act: result.act } : {}),
    errorBound: range.err,
    nodes,
  } as QuantizedLayer);
  s.tensors.push(tensor);
  s.costs.push(core.cost + (result ? result.cost * size : 0));
  s.keys.push(key);
  return { layer: s.layers.length - 1, range };
}

/** Quantizes one float op into a layer (or fuses it into a neighbour). */
function quantizeOp(s: GraphState, op: FloatOp): void {
  if (s.fused.has(op)) return;
  const ins = op.inputs.map((name) => s.refs.get(name)!);
  const where = `layer ${s.layers.length} (${op.nodes.join("+")})`;
  const key = layerKey(op);
  s.cfg = widthsFor(s.config, key);
  const core = floatKindOf(op).quantize(
    op,
    ins.map((r) => r.range),
    { config: s.cfg, where },
  );
  const { spec, nodes, outName } = fuseActivation(s, op);
  const raw = core.range.frac > targetFrac(s, outName);
  const pool = op.kind !== "maxpool" ? sole(s, outName) : undefined;
  let result: ActResult | undefined;
  let tensor = outName;
  if (pool?.kind === "maxpool" && (spec === undefined || commutesWithMax(spec)) && (spec !== undefined || raw)) {
    const placement = placePool(
      spec,
      core,
      op.size,
      outName,
      pool,
      (sp, range, name) => act(s, sp, range, name, where),
      (range, name) => range.frac > targetFrac(s, name),
      s.pooling,
    );
    if (!placement.poolFirst) result = placement.rescaled;
    else if (spec) {
      s.pendingAct.set(pool, spec);
      // A standalone activation: the pool reads its input and applies it; no layer here.
      if (isActivation(op)) return void s.refs.set(outName, ins[0]);
      // The layer hands on its raw core values (the float tensor before the activation).
      nodes.splice(nodes.length - spec.nodes.length);
      tensor = op.output;
    }
  } else {
    result = finalActivation(s, spec, core, outName, where);
  }
  s.refs.set(outName, pushLayer(s, core, ins, result, nodes, op.size, tensor, key));
}

function quantizedOutput(s: GraphState): QuantizedModel["output"] {
  const { g } = s;
  const out = s.refs.get(g.output.name);
  if (!out) throw new QuantizationError(`graph output "${g.output.onnxName}" was not quantized`);
  const lo = minOf(out.range.lo);
  const hi = maxOf(out.range.hi);
  return {
    shape: g.output.shape,
    valueShape: g.output.valueShape,
    frac: out.range.frac,
    min: lo,
    max: hi,
    bits: signedBits(Math.min(0, lo), Math.max(0, hi)),
    head: g.head,
    headSpec: g.headSpec,
    layer: out.layer,
    errorBound: out.range.err,
  };
}

export function quantize(
  g: FloatGraph,
  calibration: readonly ArrayLike<number>[],
  config: QuantizationConfig = DEFAULT_QUANTIZATION,
  options: QuantizeOptions = {},
): QuantizedModel {
  return quantizeTraced(g, calibration, config, options).model;
}

/** A quantized model with what the compiler learnt making it. */
export interface Traced {
  model: QuantizedModel;
  /** Per layer: the float-graph tensor its output approximates (its errorBound bounds the distance). */
  tensors: string[];
  /** Per layer: the constraints its core and step cost. */
  costs: number[];
  /** Per layer: the key of its own widths (QuantizationConfig.layers). */
  keys: string[];
  /** The circuit's predicted size (./cost.ts). */
  constraints: number;
}

/** quantize(), traced (see Traced). */
export function quantizeTraced(
  g: FloatGraph,
  calibration: readonly ArrayLike<number>[],
  config: QuantizationConfig = DEFAULT_QUANTIZATION,
  options: QuantizeOptions = {},
): Traced {
  const cal = options.calibrated ?? calibrate(g, calibration);
  const { input, range } = quantizedInput(g, cal, config);
  const consumers = new Map<string, FloatOp[]>();
  for (const op of g.ops) for (const name of op.inputs) consumers.set(name, [...(consumers.get(name) ?? []), op]);
  const s: GraphState = {
    g,
    config,
    cfg: config,
    pooling: options.pooling ?? "auto",
    absMax: cal.absMax,
    consumers,
    refs: new Map([[g.input.name, { layer: -1, range }]]),
    layers: [],
    tensors: [],
    costs: [],
    keys: [],
    fused: new Set(),
    pendingAct: new Map(),
  };
  for (const op of g.ops) quantizeOp(s, op);
  const output = quantizedOutput(s);
  const model: QuantizedModel = {
    format: QUANTIZED_MODEL_FORMAT,
    version: QUANTIZED_MODEL_VERSION,
    config,
    input,
    layers: s.layers,
    output,
    source: { inputName: g.input.onnxName, outputName: g.output.onnxName, opset: g.opset },
  };
  return { model, tensors: s.tensors, costs: s.costs, keys: s.keys, constraints: estimateConstraints(model, s.costs) };
}

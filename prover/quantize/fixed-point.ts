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
// data movement) or a max pool, plus the activation that follows it when it is the core's only
// reader. Max pooling commutes with floor rescaling and every monotone activation, so a max pool
// after (conv -> activation) runs on the raw accumulators when that needs fewer constraints.
// Raw accumulators also flow into Add / Concat / MaxPool unrescaled; a rescale is inserted
// before any other reader (and at the output).
//
// Circuit widths come from *static* bounds over every input in [min, max], not from calibration,
// so any valid input is provable: no overflow, no saturation inside the network.
import type { ActivationOp, FloatGraph, FloatOp, MaxPoolOp } from "../model/float-graph.js";
import { isActivation, isMonotoneActivation, shapeSize } from "../model/float-graph.js";
import { evaluateFloatTrace } from "../model/float-eval.js";
import { type ActResult, type ActSpec, QuantizationError, quantizeActivation } from "./activation.js";
import { quantizeAdd } from "./ops/add.js";
import { quantizeAffine } from "./ops/affine.js";
import { quantizeAvgPool } from "./ops/avgpool.js";
import { quantizeConv } from "./ops/conv.js";
import type { Core, CoreContext } from "./ops/core.js";
import { quantizeDense } from "./ops/dense.js";
import { quantizeGather } from "./ops/gather.js";
import { maxPoolCost, quantizeMaxPool } from "./ops/maxpool.js";
import {
  DEFAULT_QUANTIZATION,
  type QuantizationConfig,
  type QuantizedLayer,
  type QuantizedModel,
  QUANTIZED_MODEL_FORMAT,
  QUANTIZED_MODEL_VERSION,
} from "./quantized-model.js";
import { signedBits } from "./signed-bits.js";
import { fracFor, maxOf, minOf, type ValueRange } from "./value-range.js";

export { QuantizationError } from "./activation.js";
export { signedBits } from "./signed-bits.js";

function buildCore(op: FloatOp, xs: ValueRange[], ctx: CoreContext): Core {
  switch (op.kind) {
    case "dense":
      return quantizeDense(op, xs, ctx);
    case "conv":
      return quantizeConv(op, xs, ctx);
    case "maxpool":
      return quantizeMaxPool(op, xs);
    case "avgpool":
      return quantizeAvgPool(op, xs, ctx);
    case "affine":
      return quantizeAffine(op, xs, ctx);
    case "add":
      return quantizeAdd(op, xs, ctx);
    case "gather":
      return quantizeGather(op, xs, ctx);
    default:
      return { params: { kind: "activation" }, range: xs[0], cost: 0 };
  }
}

/** Readers that take raw (unrescaled) integers as they are. */
const RAW_READERS = new Set<FloatOp["kind"]>(["maxpool", "add", "gather"]);

export interface QuantizeOptions {
  /**
   * Where a max pool that follows a layer (and its monotone activation) runs: "auto" picks the
   * placement with fewer constraints; "raw" pools the raw accumulators, then rescales;
   * "rescaled" rescales every element, then pools. (Same function: max commutes with the
   * rescale and the activation; only the output scale may differ when windows skip elements.)
   */
  pooling?: "auto" | "raw" | "rescaled";
}

export function quantize(
  g: FloatGraph,
  calibration: readonly ArrayLike<number>[],
  config: QuantizationConfig = DEFAULT_QUANTIZATION,
  options: QuantizeOptions = {},
): QuantizedModel {
  const pooling = options.pooling ?? "auto";
  if (calibration.length === 0) throw new QuantizationError("quantization needs at least one calibration input");
  // Calibration: |max| of every tensor, and the input's sign.
  const absMax = new Map<string, number>();
  let inMin = Infinity;
  for (const x of calibration) {
    for (const [name, t] of evaluateFloatTrace(g, x)) {
      let m = absMax.get(name) ?? 0;
      for (let i = 0; i < t.length; i++) {
        const a = Math.abs(t[i]);
        if (a > m) m = a;
        if (name === g.input.name && t[i] < inMin) inMin = t[i];
      }
      absMax.set(name, m);
    }
  }

  const signed = inMin < 0;
  const inMaxInt = signed ? 2 ** (config.inputBits - 1) - 1 : 2 ** config.inputBits - 1;
  const inFrac = fracFor(absMax.get(g.input.name)!, inMaxInt);
  const inSize = shapeSize(g.input.shape);
  const input = {
    shape: g.input.shape,
    frac: inFrac,
    min: signed ? -(2 ** (config.inputBits - 1)) : 0,
    max: inMaxInt,
    signed,
  };

  const actLimit = 2 ** (config.activationBits - 1) - 1;
  const targetFrac = (name: string) => fracFor(absMax.get(name) ?? 0, actLimit);
  const consumers = new Map<string, FloatOp[]>();
  for (const op of g.ops) for (const name of op.inputs) consumers.set(name, [...(consumers.get(name) ?? []), op]);
  const sole = (name: string): FloatOp | undefined => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && name !== g.output.name ? c[0] : undefined;
  };

  // A-priori error of the input: rounding, for inputs inside the calibrated range.
  const refs = new Map<string, { layer: number; range: ValueRange }>([
    [
      g.input.name,
      {
        layer: -1,
        range: {
          frac: inFrac,
          lo: new Float64Array(inSize).fill(input.min),
          hi: new Float64Array(inSize).fill(input.max),
          err: 2 ** -(inFrac + 1),
        },
      },
    ],
  ]);
  const layers: QuantizedLayer[] = [];
  const fused = new Set<FloatOp>();
  const pendingAct = new Map<FloatOp, ActivationOp>();

  const act = (spec: ActSpec, range: ValueRange, name: string, where: string): ActResult =>
    quantizeActivation(spec, range, targetFrac(name), config.activationBits, where);

  for (const op of g.ops) {
    if (fused.has(op)) continue;
    const ins = op.inputs.map((name) => refs.get(name)!);
    const where = `layer ${layers.length} (${op.nodes.join("+")})`;
    const core = buildCore(
      op,
      ins.map((r) => r.range),
      { config, where },
    );
    const nodes = [...op.nodes];
    let outName = op.output;
    let spec: ActivationOp | undefined;
    if (isActivation(op)) {
      spec = op;
    } else if (pendingAct.has(op)) {
      spec = pendingAct.get(op)!;
      nodes.push(...spec.nodes);
    } else {
      const next = sole(op.output);
      if (next && isActivation(next)) {
        spec = next;
        fused.add(next);
        nodes.push(...next.nodes);
        outName = next.output;
      }
    }

    let result: ActResult | undefined;
    const raw = core.range.frac > targetFrac(outName);
    const pool = op.kind !== "maxpool" ? sole(outName) : undefined;
    if (pool?.kind === "maxpool" && (spec === undefined || isMonotoneActivation(spec)) && (spec !== undefined || raw)) {
      // Option A: activation here, then pool the narrow results. Option B: pool the raw values,
      // then the activation on the (fewer) pooled values. max commutes with both.
      const a = act(spec ?? { kind: "none" }, core.range, outName, where);
      const costA = op.size * a.cost + maxPoolCost(pool as MaxPoolOp, a.out).cost;
      const pooled = quantizeMaxPool(pool as MaxPoolOp, [core.range]).range;
      const poolRaw = pooled.frac > targetFrac(pool.output);
      const b = spec || poolRaw ? act(spec ?? { kind: "none" }, pooled, pool.output, where) : undefined;
      const costB = core.cost + maxPoolCost(pool as MaxPoolOp, core.range).cost + (b ? pool.size * b.cost : 0);
      if (pooling === "raw" || (pooling === "auto" && costB < costA)) {
        if (spec && !isActivation(op)) {
          pendingAct.set(pool, spec);
          nodes.splice(nodes.length - spec.nodes.length);
        } else if (spec) {
          // A standalone activation: hand it to the pool and emit nothing here.
          pendingAct.set(pool, spec);
          refs.set(outName, ins[0]);
          continue;
        }
      } else {
        result = a;
      }
    } else if (spec) {
      result = act(spec, core.range, outName, where);
    } else if (raw) {
      const readers = consumers.get(outName) ?? [];
      const rawOk = outName !== g.output.name && readers.length === 1 && RAW_READERS.has(readers[0].kind);
      if (!rawOk) result = act({ kind: "none" }, core.range, outName, where);
    }

    const range = result ? result.out : core.range;
    const lo = minOf(range.lo);
    const hi = maxOf(range.hi);
    layers.push({
      ...core.params,
      inputs: ins.map((r) => r.layer),
      out: { shape: [op.size], frac: range.frac, min: lo, max: hi },
      outMin: Array.from(range.lo),
      outMax: Array.from(range.hi),
      bits: signedBits(Math.min(0, lo), Math.max(0, hi)),
      ...(result ? { act: result.act } : {}),
      errorBound: range.err,
      nodes,
    } as QuantizedLayer);
    refs.set(outName, { layer: layers.length - 1, range });
  }

  const out = refs.get(g.output.name);
  if (!out) throw new QuantizationError(`graph output "${g.output.onnxName}" was not quantized`);
  const lo = minOf(out.range.lo);
  const hi = maxOf(out.range.hi);
  return {
    format: QUANTIZED_MODEL_FORMAT,
    version: QUANTIZED_MODEL_VERSION,
    config,
    input,
    layers,
    output: {
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
    },
    source: { inputName: g.input.onnxName, outputName: g.output.onnxName, opset: g.opset },
  };
}

// The integer reference evaluator: the spec the circuit must match bit for bit. Each layer is
// evaluated by its kind (prover/kinds/).
import { ShapeMismatchError } from "../errors.js";
import { layerKindOf } from "../kinds/index.js";
import { applyActivation } from "../kinds/step.js";
import { argmaxAlong } from "../model/head.js";
import type { QuantizedLayer, QuantizedModel } from "../quantize/quantized-model.js";

export interface IntegerResult {
  /** Quantized input (clamped into the input range). */
  input: bigint[];
  /** Number of input elements that were clamped. */
  clamped: number;
  /** Integer output values (the logits when a Softmax / ArgMax head follows). */
  logits: bigint[];
  /** Logits as reals (logits / 2^frac). */
  dequantized: number[];
  /** Index of the first maximal value of the first group (a [1, N] output: of all N). */
  label: number;
  /** One index per group along the head's axis (the last axis without a head). */
  labels: number[];
  /** The classes the labels stand for, when the classifier names them (HeadSpec.classLabels). */
  classes?: (string | number)[];
}

/**
 * For messages: "label 3" (one ArgMax group), "labels 3, 1, 4" (one per group); with the class
 * names, "label 1 (malignant)".
 */
export function describeLabels(labels: readonly number[], classes?: readonly (string | number)[]): string {
  const one = (l: number, i: number) => (classes ? `${l} (${classes[i]})` : `${l}`);
  return labels.length === 1 ? `label ${one(labels[0], 0)}` : `labels ${labels.map(one).join(", ")}`;
}

export function quantizeInput(q: QuantizedModel, x: ArrayLike<number>): { values: Float64Array; clamped: number } {
  const n = q.input.shape.reduce((a, b) => a * b, 1);
  if (x.length !== n) throw new ShapeMismatchError("model input", q.input.shape, [x.length]);
  const scale = 2 ** q.input.frac;
  let clamped = 0;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (!Number.isFinite(v))
      throw new ShapeMismatchError(`model input element ${i} is not a finite number`, ["finite"], [String(v)]);
    let r = Math.round(v * scale);
    if (r < q.input.min) {
      r = q.input.min;
      clamped++;
    }
    if (r > q.input.max) {
      r = q.input.max;
      clamped++;
    }
    values[i] = r;
  }
  return { values, clamped };
}

/** Every layer's integer output on already-quantized input values (layer k is the circuit's h<k>). */
/** One layer on its (integer) inputs: its kind's core, then the step (activation) after it. */
export function evaluateLayer(layer: QuantizedLayer, inputs: Float64Array[], where: string): Float64Array {
  const core = layerKindOf(layer, where).evalInt(layer, inputs, layer.outMin.length);
  return layer.act ? applyActivation(layer.act, core, where) : core;
}

export function evaluateLayers(q: QuantizedModel, input: Float64Array): Float64Array[] {
  const outs: Float64Array[] = [];
  q.layers.forEach((layer, k) => {
    const xs = layer.inputs.map((i) => (i < 0 ? input : outs[i]));
    outs.push(evaluateLayer(layer, xs, `layer ${k} (${layer.nodes.join("+")})`));
  });
  return outs;
}

/** Runs the integer network on already-quantized input values: the output values. */
export function evaluateQuantizedInts(q: QuantizedModel, input: Float64Array): Float64Array {
  const outs = evaluateLayers(q, input);
  return q.output.layer < 0 ? input : outs[q.output.layer];
}

export function evaluateInteger(q: QuantizedModel, x: ArrayLike<number>): IntegerResult {
  const { values, clamped } = quantizeInput(q, x);
  const out = evaluateQuantizedInts(q, values);
  const logits = Array.from(out, (v) => BigInt(v));
  const { axis, selectLastIndex } = q.output.headSpec;
  // Labels along the head's axis (the last axis without a head): one per group.
  const labels = argmaxAlong(out, q.output.valueShape, axis, q.output.head === "argmax" && selectLastIndex);
  const names = q.output.head === "argmax" ? q.output.headSpec.classLabels : undefined;
  return {
    input: Array.from(values, (v) => BigInt(v)),
    clamped,
    logits,
    dequantized: Array.from(out, (v) => v / 2 ** q.output.frac),
    label: labels[0],
    labels,
    ...(names ? { classes: labels.map((l) => names[l]) } : {}),
  };
}

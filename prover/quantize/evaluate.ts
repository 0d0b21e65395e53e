// The integer reference evaluator: the spec the circuit must match bit for bit.
import { ShapeMismatchError } from "../errors.js";
import { evaluateDense } from "../layers/dense.js";
import { argmax } from "./int-ops.js";
import type { QuantizedModel } from "./quantized-model.js";

export interface IntegerResult {
  /** Quantized input (clamped into the input range). */
  input: bigint[];
  /** Number of input elements that were clamped. */
  clamped: number;
  /** Integer logits of the last layer. */
  logits: bigint[];
  /** Logits as reals (logits / 2^frac). */
  dequantized: number[];
  /** Index of the first maximal logit. */
  label: number;
}

export function quantizeInput(q: QuantizedModel, x: ArrayLike<number>): { values: Float64Array; clamped: number } {
  const n = q.input.shape.reduce((a, b) => a * b, 1);
  if (x.length !== n) throw new ShapeMismatchError("model input", q.input.shape, [x.length]);
  const scale = 2 ** q.input.frac;
  let clamped = 0;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw new ShapeMismatchError(`model input element ${i} is not a finite number`, ["finite"], [String(v)]);
    let r = Math.round(v * scale);
    if (r < q.input.min) { r = q.input.min; clamped++; }
    if (r > q.input.max) { r = q.input.max; clamped++; }
    values[i] = r;
  }
  return { values, clamped };
}

/** Every layer's integer output on already-quantized input values (layer k is the circuit's h<k>). */
export function evaluateLayers(q: QuantizedModel, input: Float64Array): Float64Array[] {
  const outs: Float64Array[] = [];
  let x = input;
  q.layers.forEach((layer, k) => {
    x = evaluateDense(layer, x, `layer ${k} (${layer.nodes.join("+")})`);
    outs.push(x);
  });
  return outs;
}

/** Runs the integer network on already-quantized input values. */
export function evaluateQuantizedInts(q: QuantizedModel, input: Float64Array): Float64Array {
  const outs = evaluateLayers(q, input);
  return outs[outs.length - 1];
}

export function evaluateInteger(q: QuantizedModel, x: ArrayLike<number>): IntegerResult {
  const { values, clamped } = quantizeInput(q, x);
  const out = evaluateQuantizedInts(q, values);
  const logits = Array.from(out, (v) => BigInt(v));
  return {
    input: Array.from(values, (v) => BigInt(v)),
    clamped,
    logits,
    dequantized: Array.from(out, (v) => v / 2 ** q.output.frac),
    label: argmax(logits),
  };
}

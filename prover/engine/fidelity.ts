// Measured (not assumed) accuracy of the quantized model against the float ONNX model run by
// onnxruntime-node: argmax agreement and the largest absolute logit error over a data set.
import ort from "onnxruntime-node";
import { argmaxAlong, softmaxAlong } from "../model/head.js";
import type { QuantizedModel } from "../quantize/quantized-model.js";
import { evaluateInteger } from "./evaluate.js";

export interface Fidelity {
  samples: number;
  argmaxAgreement: number;
  /** Largest |float - dequantized| over all outputs (probabilities when the model ends in Softmax). */
  maxAbsError: number;
  /** Accuracy against the labels, when the data set has labels. */
  floatAccuracy?: number;
  quantizedAccuracy?: number;
  /** Inputs with at least one element clamped into the quantized input range. */
  clampedInputs: number;
}

export async function measureFidelity(
  onnx: Uint8Array | string,
  q: QuantizedModel,
  xs: readonly number[][],
  labels?: readonly number[],
): Promise<Fidelity> {
  const session = await ort.InferenceSession.create(onnx as Uint8Array);
  const dims = q.input.shape;
  let agree = 0;
  let maxErr = 0;
  let fOk = 0;
  let qOk = 0;
  let clampedInputs = 0;
  for (let s = 0; s < xs.length; s++) {
    const x = xs[s];
    const tensor = q.input.integer
      ? new ort.Tensor(
          "int64",
          BigInt64Array.from(x, (v) => BigInt(v)),
          dims,
        )
      : new ort.Tensor("float32", Float32Array.from(x), dims);
    const out = await session.run({ [q.source.inputName]: tensor });
    const f = out[session.outputNames[0]].data as Float32Array | BigInt64Array;
    const r = evaluateInteger(q, x);
    if (r.clamped > 0) clampedInputs++;
    const { axis } = q.output.headSpec;
    const mine = q.output.head === "softmax" ? softmaxAlong(r.dequantized, q.output.valueShape, axis) : r.dequantized;
    // The label: ArgMax's first index, else the argmax of the first group along the head's axis
    // (the whole output for a [1, N] model).
    const fLabel =
      q.output.head === "argmax" ? Number(f[0]) : argmaxAlong(Array.from(f, Number), q.output.valueShape, axis)[0];
    if (fLabel === r.labels[0]) agree++;
    if (q.output.head !== "argmax")
      for (let j = 0; j < f.length; j++) maxErr = Math.max(maxErr, Math.abs(Number(f[j]) - mine[j]));
    if (labels) {
      if (fLabel === labels[s]) fOk++;
      if (r.label === labels[s]) qOk++;
    }
  }
  await session.release();
  return {
    samples: xs.length,
    argmaxAgreement: agree / xs.length,
    maxAbsError: maxErr,
    floatAccuracy: labels ? fOk / xs.length : undefined,
    quantizedAccuracy: labels ? qOk / xs.length : undefined,
    clampedInputs,
  };
}

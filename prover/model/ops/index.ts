// Float evaluators by op kind (the reference for calibration and for checking the normalizer
// against onnxruntime).
import type { FloatOp } from "../float-graph.js";
import { evalAvgPool } from "./avgpool.js";
import { evalConv } from "./conv.js";
import { evalDense } from "./dense.js";
import { evalActivation, evalAdd, evalAffine, evalGather } from "./elementwise.js";
import { evalMaxPool } from "./maxpool.js";

type Evaluator<K extends FloatOp["kind"]> = (op: Extract<FloatOp, { kind: K }>, inputs: Float64Array[]) => Float64Array;

export const FLOAT_EVALUATORS: { [K in FloatOp["kind"]]: Evaluator<K> } = {
  dense: evalDense,
  conv: evalConv,
  maxpool: evalMaxPool,
  avgpool: evalAvgPool,
  affine: evalAffine,
  add: evalAdd,
  gather: evalGather,
  relu: evalActivation,
  clip: evalActivation,
  leakyRelu: evalActivation,
  sigmoid: evalActivation,
  tanh: evalActivation,
};

export function evalFloatOp(op: FloatOp, inputs: Float64Array[]): Float64Array {
  return (FLOAT_EVALUATORS[op.kind] as Evaluator<typeof op.kind>)(op as never, inputs);
}

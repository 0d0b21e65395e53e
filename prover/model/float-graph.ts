// The normalized float model: what every supported ONNX graph is reduced to before quantization.
// Tensors are named; shapes include the batch dimension (always 1 here). Weights are float64.

export interface DenseOp {
  kind: "dense";
  input: string;
  output: string;
  inFeatures: number;
  outFeatures: number;
  /** Row-major [outFeatures][inFeatures]. */
  weight: Float64Array;
  bias: Float64Array;
  /** ONNX node names this op came from (for error messages and audits). */
  nodes: string[];
}

export interface ReluOp {
  kind: "relu";
  input: string;
  output: string;
  nodes: string[];
}

export type FloatOp = DenseOp | ReluOp;

/** What follows the last op: raw values, or a Softmax / ArgMax applied at the output. */
export type OutputHead = "none" | "softmax" | "argmax";

export interface FloatGraph {
  input: { name: string; onnxName: string; shape: number[] };
  ops: FloatOp[];
  output: { name: string; onnxName: string; shape: number[] };
  head: OutputHead;
  opset: number;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

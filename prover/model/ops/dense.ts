// Float dense (Gemm / MatMul): y[r][j] = sum_i W[j][i] x[r * rowStride + i * colStride] + b[r][j].
import type { DenseOp } from "../float-graph.js";

export function evalDense(op: DenseOp, [x]: Float64Array[]): Float64Array {
  const y = new Float64Array(op.size);
  for (let r = 0; r < op.rows; r++) {
    for (let j = 0; j < op.outFeatures; j++) {
      let s = op.bias[r * op.outFeatures + j];
      const row = j * op.inFeatures;
      for (let i = 0; i < op.inFeatures; i++) s += op.weight[row + i] * x[r * op.rowStride + i * op.colStride];
      y[r * op.outFeatures + j] = s;
    }
  }
  return y;
}

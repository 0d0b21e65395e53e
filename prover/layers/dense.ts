// Dense layer core (integer evaluation). The circuit emitter for the same layer lives in
// prover/circuit/layers/dense.ts.
import type { DenseLayer } from "../quantize/quantized-model.js";

/** acc[r][j] = sum_i W[j][i] x[r * rowStride + i * colStride] + b[r][j]; exact (|acc| < 2^52 by construction). */
export function evaluateDense(layer: DenseLayer, [x]: Float64Array[]): Float64Array {
  const { inFeatures: n, outFeatures: m, weight, bias } = layer;
  const y = new Float64Array(layer.rows * m);
  for (let r = 0; r < layer.rows; r++) {
    for (let j = 0; j < m; j++) {
      let acc = bias[r * m + j];
      const row = j * n;
      for (let i = 0; i < n; i++) acc += weight[row + i] * x[r * layer.rowStride + i * layer.colStride];
      y[r * m + j] = acc;
    }
  }
  return y;
}

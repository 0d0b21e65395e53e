// Dense layer (+ fused ReLU): integer evaluation. The circuit emitter for the same layer lives
// in prover/circuit/layers/dense.ts; both follow prover/quantize/int-ops.ts.
import { IntRangeError } from "../quantize/int-ops.js";
import type { DenseLayer } from "../quantize/quantized-model.js";

/** y = floor((W x + b) / 2^shift), then ReLU; x and y hold exact integers (|acc| < 2^52 by construction). */
export function evaluateDense(layer: DenseLayer, x: Float64Array, where: string): Float64Array {
  const { inFeatures: n, outFeatures: m, weight, bias, shift } = layer;
  const div = 2 ** shift;
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let acc = bias[j];
    const row = j * n;
    for (let i = 0; i < n; i++) acc += weight[row + i] * x[i];
    let q = Math.floor(acc / div);
    if (q < -(2 ** (layer.bits - 1)) || q >= 2 ** (layer.bits - 1)) {
      // Cannot happen for inputs in range (static bounds); guards against a corrupted model file.
      throw new IntRangeError(`${where} output ${j}`, BigInt(q), layer.bits, true);
    }
    if (layer.relu && q < 0) q = 0;
    y[j] = q;
  }
  return y;
}

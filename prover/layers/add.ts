// Add layer core (integer evaluation): y[i] = sum_t coef[t] * x_t[src_t[i]].
import type { AddLayer } from "../quantize/quantized-model.js";

export function evaluateAdd(layer: AddLayer, xs: Float64Array[], size: number): Float64Array {
  const y = new Float64Array(size);
  xs.forEach((x, t) => {
    const src = layer.src[t];
    for (let i = 0; i < size; i++) y[i] += layer.coef[t] * x[src ? src[i] : i];
  });
  return y;
}

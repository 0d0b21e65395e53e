// Gather layer core (integer evaluation): y[i] = x_from[i][index[i]] * 2^shift, or fill[i].
import type { GatherLayer } from "../quantize/quantized-model.js";

export function evaluateGather(layer: GatherLayer, xs: Float64Array[]): Float64Array {
  const y = new Float64Array(layer.from.length);
  for (let i = 0; i < y.length; i++) {
    const t = layer.from[i];
    y[i] = t < 0 ? layer.fill[i] : xs[t][layer.index[i]] * 2 ** layer.shift[t];
  }
  return y;
}

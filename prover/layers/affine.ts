// Affine layer core (integer evaluation): y[i] = mul[i] * x[src[i]] + add[i].
import type { AffineLayer } from "../quantize/quantized-model.js";

export function evaluateAffine(layer: AffineLayer, [x]: Float64Array[]): Float64Array {
  const y = new Float64Array(layer.mul.length);
  for (let i = 0; i < y.length; i++) y[i] = layer.mul[i] * x[layer.src ? layer.src[i] : i] + layer.add[i];
  return y;
}

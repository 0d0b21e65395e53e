// AveragePool layer core (integer evaluation): window sum times the position's multiplier.
import { windowTaps } from "../model/window.js";
import type { AvgPoolLayer } from "../quantize/quantized-model.js";

export function evaluateAvgPool(layer: AvgPoolLayer, [x]: Float64Array[]): Float64Array {
  const { win, mult } = layer;
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(win.n * win.c * outPlane);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) {
      const t = taps[p];
      let s = 0;
      for (let i = 1; i < t.length; i += 2) s += x[nc * plane + t[i]];
      y[nc * outPlane + p] = s * mult[p];
    }
  }
  return y;
}

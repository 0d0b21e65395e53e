// MaxPool layer core (integer evaluation): the maximum of each window's valid taps.
import { windowTaps } from "../model/window.js";
import type { MaxPoolLayer } from "../quantize/quantized-model.js";

export function evaluateMaxPool(layer: MaxPoolLayer, [x]: Float64Array[]): Float64Array {
  const { win } = layer;
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(win.n * win.c * outPlane);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) {
      const t = taps[p];
      let best = x[nc * plane + t[1]];
      for (let i = 3; i < t.length; i += 2) best = Math.max(best, x[nc * plane + t[i]]);
      y[nc * outPlane + p] = best;
    }
  }
  return y;
}

// Float MaxPool: the maximum of the window's valid taps.
import type { MaxPoolOp } from "../float-graph.js";
import { windowTaps } from "../window.js";

export function evalMaxPool(op: MaxPoolOp, [x]: Float64Array[]): Float64Array {
  const { win } = op;
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(op.size);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) {
      const t = taps[p];
      let best = -Infinity;
      for (let i = 1; i < t.length; i += 2) best = Math.max(best, x[nc * plane + t[i]]);
      y[nc * outPlane + p] = best;
    }
  }
  return y;
}

// Float AveragePool: window sum over the valid taps divided by the position's divisor.
import type { AvgPoolOp } from "../float-graph.js";
import { windowTaps } from "../window.js";

export function evalAvgPool(op: AvgPoolOp, [x]: Float64Array[]): Float64Array {
  const { win, divisor } = op;
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(op.size);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) {
      const t = taps[p];
      let s = 0;
      for (let i = 1; i < t.length; i += 2) s += x[nc * plane + t[i]];
      y[nc * outPlane + p] = s / divisor[p];
    }
  }
  return y;
}

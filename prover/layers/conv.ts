// Conv layer core (integer evaluation): acc = bias[m] + sum over the group's channels and the
// window's valid taps.
import { windowTaps } from "../model/window.js";
import type { ConvLayer } from "../quantize/quantized-model.js";

/** Also the float Conv (prover/model/ops/conv.ts): the same loop over real or integer weights. */
export function evaluateConv(
  layer: Pick<ConvLayer, "win" | "m" | "group"> & { weight: ArrayLike<number>; bias: ArrayLike<number> },
  [x]: Float64Array[],
): Float64Array {
  const { win, m, group, weight, bias } = layer;
  const taps = windowTaps(win);
  const cpg = win.c / group;
  const mpg = m / group;
  const kk = win.kh * win.kw;
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(win.n * m * outPlane);
  for (let n = 0; n < win.n; n++) {
    for (let mo = 0; mo < m; mo++) {
      const g = Math.floor(mo / mpg);
      for (let p = 0; p < outPlane; p++) {
        const t = taps[p];
        let acc = bias[mo];
        for (let cg = 0; cg < cpg; cg++) {
          const xBase = (n * win.c + g * cpg + cg) * plane;
          const wBase = (mo * cpg + cg) * kk;
          for (let i = 0; i < t.length; i += 2) acc += weight[wBase + t[i]] * x[xBase + t[i + 1]];
        }
        y[(n * m + mo) * outPlane + p] = acc;
      }
    }
  }
  return y;
}

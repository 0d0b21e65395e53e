// Conv: integer kernel at one power-of-two scale, bias at the accumulator's scale; per-element
// accumulator bounds by interval arithmetic over the window's input bounds.
import type { ConvOp } from "../../model/float-graph.js";
import { windowTaps } from "../../model/window.js";
import { maxAbsOf, type ValueRange } from "../value-range.js";
import { type Core, type CoreContext, checkSafe, quantizeWeights } from "./core.js";

export function quantizeConv(op: ConvOp, [x]: ValueRange[], ctx: CoreContext): Core {
  const { win, m, group } = op;
  const { q: weight, frac: wFrac } = quantizeWeights(op.weight, ctx.config.weightBits);
  const frac = x.frac + wFrac;
  const bias = Array.from(op.bias, (b) => Math.round(b * 2 ** frac));
  const taps = windowTaps(win);
  const cpg = win.c / group;
  const mpg = m / group;
  const kk = win.kh * win.kw;
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  for (let n = 0; n < win.n; n++) {
    for (let mo = 0; mo < m; mo++) {
      const g = Math.floor(mo / mpg);
      for (let p = 0; p < outPlane; p++) {
        const t = taps[p];
        let l = bias[mo];
        let h = bias[mo];
        for (let cg = 0; cg < cpg; cg++) {
          const xBase = (n * win.c + g * cpg + cg) * plane;
          const wBase = (mo * cpg + cg) * kk;
          for (let i = 0; i < t.length; i += 2) {
            const w = weight[wBase + t[i]];
            const a = w * x.lo[xBase + t[i + 1]];
            const b = w * x.hi[xBase + t[i + 1]];
            l += Math.min(a, b);
            h += Math.max(a, b);
          }
        }
        const o = (n * m + mo) * outPlane + p;
        lo[o] = l;
        hi[o] = h;
      }
    }
  }
  // Error per output channel over a full window (padding only lowers it).
  const maxIn = maxAbsOf(x) * 2 ** -x.frac;
  const per = cpg * kk;
  let err = 0;
  for (let mo = 0; mo < m; mo++) {
    let e = Math.abs(op.bias[mo] - bias[mo] * 2 ** -frac);
    for (let i = 0; i < per; i++) {
      const wf = op.weight[mo * per + i];
      e += Math.abs(wf) * x.err + Math.abs(wf - weight[mo * per + i] * 2 ** -wFrac) * maxIn;
    }
    err = Math.max(err, e);
  }
  const range = { frac, lo, hi, err };
  checkSafe(range, ctx.where);
  return { params: { kind: "conv", win, m, group, weight, bias, wFrac }, range, cost: 0 };
}

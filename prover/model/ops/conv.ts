// Float Conv: y[n][m][oy][ox] = bias[m] + sum over the group's channels and the window.
import type { ConvOp } from "../float-graph.js";
import { windowTaps } from "../window.js";

export function evalConv(op: ConvOp, [x]: Float64Array[]): Float64Array {
  const { win, m, group, weight, bias } = op;
  const taps = windowTaps(win);
  const cpg = win.c / group;
  const mpg = m / group;
  const kk = win.kh * win.kw;
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(op.size);
  for (let n = 0; n < win.n; n++) {
    for (let mo = 0; mo < m; mo++) {
      const g = Math.floor(mo / mpg);
      for (let p = 0; p < outPlane; p++) {
        const t = taps[p];
        let s = bias[mo];
        for (let cg = 0; cg < cpg; cg++) {
          const xBase = (n * win.c + g * cpg + cg) * plane;
          const wBase = (mo * cpg + cg) * kk;
          for (let i = 0; i < t.length; i += 2) s += weight[wBase + t[i]] * x[xBase + t[i + 1]];
        }
        y[(n * m + mo) * outPlane + p] = s;
      }
    }
  }
  return y;
}

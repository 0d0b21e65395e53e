// Conv (1-D as h = 1, and 2-D): [n, c, h, w] -> [n, m, oh, ow],
//   y[n][m][oy][ox] = bias[m] + sum over the group's channels and the window's valid taps.
// Integer kernel at one power-of-two scale, the bias at the accumulator's scale. One loop serves
// the float op, the integer layer and the quantizer's bounds (kernel split by sign). The circuit:
// one Conv2D instance per image of the batch, constant kernel (circuits/conv.circom).
import type { ConvOp } from "../model/float-graph.js";
import { windowTaps } from "../model/window.js";
import { checkSafe, linearBounds, quantizeWeights } from "../quantize/core.js";
import { maxAbsOf, type ValueRange } from "../quantize/value-range.js";
import { constantFunction, emitInstances, templateCall } from "./emit-context.js";
import type { Kind } from "./kind.js";

type ConvShape = Pick<ConvOp, "win" | "m" | "group">;

/** The convolution of `x` with `weight` (row-major [m][c / group][kh][kw]) plus `bias` ([m], or none). */
export function convApply(
  s: ConvShape,
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  x: ArrayLike<number>,
): Float64Array {
  const { win, m, group } = s;
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
        let acc = bias ? bias[mo] : 0;
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

/** Error bound per output channel over a full window (padding only lowers it); the largest. */
function convError(op: ConvOp, x: ValueRange, weight: number[], wFrac: number, bias: number[], frac: number): number {
  const maxIn = maxAbsOf(x) * 2 ** -x.frac;
  const per = (op.win.c / op.group) * op.win.kh * op.win.kw;
  let err = 0;
  for (let mo = 0; mo < op.m; mo++) {
    let e = Math.abs(op.bias[mo] - bias[mo] * 2 ** -frac);
    for (let i = 0; i < per; i++) {
      const wf = op.weight[mo * per + i];
      e += Math.abs(wf) * x.err + Math.abs(wf - weight[mo * per + i] * 2 ** -wFrac) * maxIn;
    }
    err = Math.max(err, e);
  }
  return err;
}

export const conv: Kind<"conv", "conv"> = {
  floatKinds: ["conv"],
  layerKind: "conv",
  templates: ["conv.circom"],
  readsRaw: false,
  evalFloat: (op, [x]) => convApply(op, op.weight, op.bias, x),
  evalInt: (layer, [x]) => convApply(layer, layer.weight, layer.bias, x),

  quantize(op, [x], ctx) {
    const { win, m, group } = op;
    const { q: weight, frac: wFrac } = quantizeWeights(op.weight, ctx.config.weightBits);
    const frac = x.frac + wFrac;
    const bias = Array.from(op.bias, (b) => Math.round(b * 2 ** frac));
    const { lo, hi } = linearBounds((w, b, v) => convApply(op, w, b, v), weight, bias, x);
    const range = { frac, lo, hi, err: convError(op, x, weight, wFrac, bias, frac) };
    checkSafe(range, ctx.where);
    return { params: { kind: "conv", win, m, group, weight, bias, wFrac }, range, cost: 0 };
  },

  emit(layer, k, [input], ctx) {
    const { win, m, group } = layer;
    const w = constantFunction(ctx, `W${k}`, layer.weight, [m, win.c / group, win.kh, win.kw]);
    const b = constantFunction(ctx, `B${k}`, layer.bias);
    const shape = `${win.c}x${win.h}x${win.w} -> ${m}x${win.oh}x${win.ow}`;
    const geometry = `kernel ${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}, dilation ${win.dh}x${win.dw}`;
    const args = [win.c, win.h, win.w, m, win.kh, win.kw, group, win.sh, win.sw, win.pt, win.pl, win.dh, win.dw];
    return emitInstances(ctx, k, {
      comment: `${layer.nodes.join(" + ")}: conv ${shape}, ${geometry}, group ${group}`,
      component: "conv",
      loopVar: "n",
      count: win.n,
      template: templateCall("Conv2D", [...args, win.oh, win.ow, w, b]),
      input,
      inSize: win.c * win.h * win.w,
      outSize: m * win.oh * win.ow,
    });
  },
};

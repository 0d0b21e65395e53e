// AveragePool / GlobalAveragePool: the window sum divided by the position's divisor. Quantized as
// the window sum times mult = round(2^multFrac / divisor), multFrac chosen so the multiplier keeps
// weightBits significant bits: the division is folded into the next rescale. Bounds are the
// scaled sums of the bounds (mult > 0). The circuit: one SumPool2D (window sums times constant
// multipliers) per image (circuits/pool.circom).
import { poolWindows, windowSum, windowTaps } from "../model/window.js";
import { checkSafe } from "../quantize/core.js";
import { maxAbsOf } from "../quantize/value-range.js";
import { constantFunction, emitInstances, templateCall } from "./emit-context.js";
import type { Kind } from "./kind.js";

export const avgpool: Kind<"avgpool", "avgpool"> = {
  floatKinds: ["avgpool"],
  layerKind: "avgpool",
  templates: ["pool.circom"],
  readsRaw: false,
  evalFloat: (op, [x]) => poolWindows(op.win, (base, t, p) => windowSum(x, base, t) / op.divisor[p]),
  evalInt: (layer, [x]) => poolWindows(layer.win, (base, t, p) => windowSum(x, base, t) * layer.mult[p]),

  quantize(op, [x], ctx) {
    const { win, divisor } = op;
    const maxDiv = Math.max(...divisor);
    const multFrac = ctx.config.weightBits - 1 + Math.ceil(Math.log2(maxDiv));
    const mult = Array.from(divisor, (d) => Math.round(2 ** multFrac / d));
    const lo = poolWindows(win, (base, t, p) => windowSum(x.lo, base, t) * mult[p]);
    const hi = poolWindows(win, (base, t, p) => windowSum(x.hi, base, t) * mult[p]);
    const maxIn = maxAbsOf(x) * 2 ** -x.frac;
    const taps = windowTaps(win);
    let err = 0;
    for (let p = 0; p < divisor.length; p++) {
      const count = taps[p].length / 2;
      const e = (count / divisor[p]) * x.err + count * Math.abs(1 / divisor[p] - mult[p] * 2 ** -multFrac) * maxIn;
      err = Math.max(err, e);
    }
    const range = { frac: x.frac + multFrac, lo, hi, err };
    checkSafe(range, ctx.where);
    return { params: { kind: "avgpool", win, mult, multFrac }, range, cost: 0 };
  },

  emit(layer, k, [input], ctx) {
    const { win } = layer;
    const mult = constantFunction(ctx, `MULT${k}`, layer.mult);
    const geometry = `${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}`;
    const args = [win.c, win.h, win.w, win.kh, win.kw, win.sh, win.sw, win.pt, win.pl, win.oh, win.ow, mult];
    return emitInstances(ctx, k, {
      comment: `${layer.nodes.join(" + ")}: average pool ${geometry} (sum times round(2^${layer.multFrac} / count))`,
      component: "pool",
      loopVar: "n",
      count: win.n,
      template: templateCall("SumPool2D", args),
      input,
      inSize: win.c * win.h * win.w,
      outSize: win.c * win.oh * win.ow,
    });
  },
};

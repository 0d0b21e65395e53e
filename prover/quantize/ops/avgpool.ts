// AveragePool: window sum times mult = round(2^t / divisor), t chosen so the multiplier keeps
// weightBits significant bits. The division is thereby folded into the next rescale.
import type { AvgPoolOp } from "../../model/float-graph.js";
import { windowTaps } from "../../model/window.js";
import { maxAbsOf, type ValueRange } from "../value-range.js";
import { type Core, type CoreContext, checkSafe } from "./core.js";

export function quantizeAvgPool(op: AvgPoolOp, [x]: ValueRange[], ctx: CoreContext): Core {
  const { win, divisor } = op;
  const maxDiv = Math.max(...divisor);
  const multFrac = ctx.config.weightBits - 1 + Math.ceil(Math.log2(maxDiv));
  const mult = Array.from(divisor, (d) => Math.round(2 ** multFrac / d));
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) {
      const t = taps[p];
      let l = 0;
      let h = 0;
      for (let i = 1; i < t.length; i += 2) {
        l += x.lo[nc * plane + t[i]];
        h += x.hi[nc * plane + t[i]];
      }
      lo[nc * outPlane + p] = l * mult[p];
      hi[nc * outPlane + p] = h * mult[p];
    }
  }
  const maxIn = maxAbsOf(x) * 2 ** -x.frac;
  let err = 0;
  for (let p = 0; p < outPlane; p++) {
    const count = taps[p].length / 2;
    err = Math.max(
      err,
      (count / divisor[p]) * x.err + count * Math.abs(1 / divisor[p] - mult[p] * 2 ** -multFrac) * maxIn,
    );
  }
  const range = { frac: x.frac + multFrac, lo, hi, err };
  checkSafe(range, ctx.where);
  return { params: { kind: "avgpool", win, mult, multFrac }, range, cost: 0 };
}

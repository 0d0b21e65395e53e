// Dense (Gemm / MatMul): integer weights at one power-of-two scale, bias at the accumulator's
// scale; interval arithmetic over the per-element input bounds gives the accumulator bounds.
import type { DenseOp } from "../../model/float-graph.js";
import type { ValueRange } from "../value-range.js";
import { type Core, type CoreContext, checkSafe, quantizeWeights } from "./core.js";

export function quantizeDense(op: DenseOp, [x]: ValueRange[], ctx: CoreContext): Core {
  const { q: weight, frac: wFrac } = quantizeWeights(op.weight, ctx.config.weightBits);
  const frac = x.frac + wFrac;
  const bias = Array.from(op.bias, (b) => Math.round(b * 2 ** frac));
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  let err = 0;
  const inScale = 2 ** -x.frac;
  for (let r = 0; r < op.rows; r++) {
    for (let j = 0; j < op.outFeatures; j++) {
      const o = r * op.outFeatures + j;
      let l = bias[o];
      let h = bias[o];
      // |sum w a - sum w_q a_q| <= sum |w| |a - a_q| + sum |w - w_q| |a_q|, plus the bias rounding.
      let e = Math.abs(op.bias[o] - bias[o] * 2 ** -frac);
      for (let i = 0; i < op.inFeatures; i++) {
        const k = r * op.rowStride + i * op.colStride;
        const w = weight[j * op.inFeatures + i];
        const a = w * x.lo[k];
        const b = w * x.hi[k];
        l += Math.min(a, b);
        h += Math.max(a, b);
        const wf = op.weight[j * op.inFeatures + i];
        e +=
          Math.abs(wf) * x.err +
          Math.abs(wf - w * 2 ** -wFrac) * Math.max(Math.abs(x.lo[k]), Math.abs(x.hi[k])) * inScale;
      }
      lo[o] = l;
      hi[o] = h;
      err = Math.max(err, e);
    }
  }
  const range = { frac, lo, hi, err };
  checkSafe(range, ctx.where);
  return {
    params: {
      kind: "dense",
      rows: op.rows,
      inFeatures: op.inFeatures,
      outFeatures: op.outFeatures,
      rowStride: op.rowStride,
      colStride: op.colStride,
      weight,
      bias,
      wFrac,
    },
    range,
    cost: 0,
  };
}

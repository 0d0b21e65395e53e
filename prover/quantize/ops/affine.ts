// Affine (constant Mul / Add / Sub / Div, BatchNormalization that could not be folded):
// y = mul_q * x + add_q with mul at one power-of-two scale and add at the product's scale.
import type { AffineOp } from "../../model/float-graph.js";
import type { ValueRange } from "../value-range.js";
import { type Core, type CoreContext, checkSafe, quantizeWeights } from "./core.js";

export function quantizeAffine(op: AffineOp, [x]: ValueRange[], ctx: CoreContext): Core {
  const { q: mul, frac: mulFrac } = quantizeWeights(op.mul, ctx.config.weightBits);
  const frac = x.frac + mulFrac;
  const add = Array.from(op.add, (a) => Math.round(a * 2 ** frac));
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  let err = 0;
  for (let i = 0; i < op.size; i++) {
    const s = op.src ? op.src[i] : i;
    const a = mul[i] * x.lo[s];
    const b = mul[i] * x.hi[s];
    lo[i] = Math.min(a, b) + add[i];
    hi[i] = Math.max(a, b) + add[i];
    const xmax = Math.max(Math.abs(x.lo[s]), Math.abs(x.hi[s])) * 2 ** -x.frac;
    const e =
      Math.abs(op.mul[i]) * x.err +
      Math.abs(op.mul[i] - mul[i] * 2 ** -mulFrac) * xmax +
      Math.abs(op.add[i] - add[i] * 2 ** -frac);
    err = Math.max(err, e);
  }
  const range = { frac, lo, hi, err };
  checkSafe(range, ctx.where);
  return { params: { kind: "affine", mul, add, src: op.src ? Array.from(op.src) : null, mulFrac }, range, cost: 0 };
}

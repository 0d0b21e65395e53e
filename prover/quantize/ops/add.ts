// Add / Sub of two activations: both are brought to the finer of their scales by an exact
// left shift (a constant factor: free in the circuit), then added.
import type { AddOp } from "../../model/float-graph.js";
import type { ValueRange } from "../value-range.js";
import { type Core, type CoreContext, checkSafe } from "./core.js";

export function quantizeAdd(op: AddOp, xs: ValueRange[], ctx: CoreContext): Core {
  const frac = Math.max(...xs.map((x) => x.frac));
  const coef = xs.map((x, t) => op.coef[t] * 2 ** (frac - x.frac));
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  xs.forEach((x, t) => {
    const src = op.src[t];
    const c = coef[t];
    for (let i = 0; i < op.size; i++) {
      const s = src ? src[i] : i;
      lo[i] += Math.min(c * x.lo[s], c * x.hi[s]);
      hi[i] += Math.max(c * x.lo[s], c * x.hi[s]);
    }
  });
  const err = xs.reduce((e, x, t) => e + Math.abs(op.coef[t]) * x.err, 0);
  const range = { frac, lo, hi, err };
  checkSafe(range, ctx.where);
  return { params: { kind: "add", coef, src: op.src.map((s) => (s ? Array.from(s) : null)) }, range, cost: 0 };
}

// Data movement (Concat, Pad, Transpose): inputs aligned to the finest scale by exact left
// shifts; constants (padding values) rounded to that scale.
import type { GatherOp } from "../../model/float-graph.js";
import type { ValueRange } from "../value-range.js";
import { type Core, type CoreContext, checkSafe } from "./core.js";

export function quantizeGather(op: GatherOp, xs: ValueRange[], ctx: CoreContext): Core {
  const frac = Math.max(...xs.map((x) => x.frac));
  const shift = xs.map((x) => frac - x.frac);
  const fill = Array.from(op.fill, (v, i) => (op.from[i] < 0 ? Math.round(v * 2 ** frac) : 0));
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  let err = Math.max(0, ...xs.map((x) => x.err));
  for (let i = 0; i < op.size; i++) {
    const t = op.from[i];
    if (t < 0) {
      lo[i] = hi[i] = fill[i];
      err = Math.max(err, Math.abs(op.fill[i] - fill[i] * 2 ** -frac));
    } else {
      lo[i] = xs[t].lo[op.index[i]] * 2 ** shift[t];
      hi[i] = xs[t].hi[op.index[i]] * 2 ** shift[t];
    }
  }
  const range = { frac, lo, hi, err };
  checkSafe(range, ctx.where);
  return {
    params: { kind: "gather", from: Array.from(op.from), index: Array.from(op.index), fill, shift },
    range,
    cost: 0,
  };
}

// MaxPool: exact on integers (no new error). Each window of t valid taps costs t - 1 Max2
// comparisons of width diffBits + 2 constraints (circuits/pool.circom).
import type { MaxPoolOp } from "../../model/float-graph.js";
import { windowTaps } from "../../model/window.js";
import { unsignedBits } from "../signed-bits.js";
import { maxOf, minOf, type ValueRange } from "../value-range.js";
import type { Core } from "./core.js";

export function maxPoolCost(op: MaxPoolOp, x: ValueRange): { diffBits: number; cost: number } {
  const diffBits = Math.max(1, unsignedBits(maxOf(x.hi) - minOf(x.lo)));
  const taps = windowTaps(op.win);
  let comparisons = 0;
  for (const t of taps) comparisons += Math.max(0, t.length / 2 - 1);
  return { diffBits, cost: comparisons * op.win.n * op.win.c * (diffBits + 2) };
}

export function quantizeMaxPool(op: MaxPoolOp, [x]: ValueRange[]): Core {
  const { win } = op;
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const lo = new Float64Array(op.size);
  const hi = new Float64Array(op.size);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) {
      const t = taps[p];
      let l = -Infinity;
      let h = -Infinity;
      for (let i = 1; i < t.length; i += 2) {
        l = Math.max(l, x.lo[nc * plane + t[i]]);
        h = Math.max(h, x.hi[nc * plane + t[i]]);
      }
      lo[nc * outPlane + p] = l;
      hi[nc * outPlane + p] = h;
    }
  }
  const { diffBits, cost } = maxPoolCost(op, x);
  return { params: { kind: "maxpool", win, diffBits }, range: { frac: x.frac, lo, hi, err: x.err }, cost };
}

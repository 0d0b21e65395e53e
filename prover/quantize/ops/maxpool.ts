// MaxPool: exact on integers (no new error). Each window of t valid taps costs t - 1 Max2
// comparisons of width channelBits[c] + 2 constraints (circuits/pool.circom).
import type { MaxPoolOp } from "../../model/float-graph.js";
import { windowTaps } from "../../model/window.js";
import { unsignedBits } from "../signed-bits.js";
import { maxOf, minOf, type ValueRange } from "../value-range.js";
import type { Core } from "./core.js";

/** Comparison widths per channel (over the whole batch) and the constraints they cost. */
export function maxPoolCost(op: MaxPoolOp, x: ValueRange): { channelBits: number[]; cost: number } {
  const { win } = op;
  const plane = win.h * win.w;
  const channelBits: number[] = [];
  for (let c = 0; c < win.c; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let n = 0; n < win.n; n++) {
      const base = (n * win.c + c) * plane;
      lo = Math.min(lo, minOf(x.lo.subarray(base, base + plane)));
      hi = Math.max(hi, maxOf(x.hi.subarray(base, base + plane)));
    }
    channelBits.push(Math.max(1, unsignedBits(hi - lo)));
  }
  let comparisons = 0;
  for (const t of windowTaps(win)) comparisons += Math.max(0, t.length / 2 - 1);
  return { channelBits, cost: comparisons * win.n * channelBits.reduce((s, b) => s + b + 2, 0) };
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
  const { channelBits, cost } = maxPoolCost(op, x);
  return {
    params: { kind: "maxpool", win, diffBits: Math.max(...channelBits), channelBits },
    range: { frac: x.frac, lo, hi, err: x.err },
    cost,
  };
}

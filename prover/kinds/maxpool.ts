// MaxPool: the maximum of each window's valid taps (padding never wins). Exact on integers: no new
// error, and bounds are the pool of the bounds. Each window of t taps costs t - 1 Max2
// comparisons of width channelBits[c] + 2 constraints; the circuit has one MaxPool2D (chains of
// Max2) per image and channel, each with its channel's comparison width (circuits/pool.circom).
import type { MaxPoolOp } from "../model/float-graph.js";
import { poolWindows, windowMax, windowTaps } from "../model/window.js";
import type { Core } from "../quantize/core.js";
import { unsignedBits } from "../quantize/signed-bits.js";
import { maxOf, minOf, type ValueRange } from "../quantize/value-range.js";
import { constantFunction, emitInstances, templateCall } from "./emit-context.js";
import type { Kind } from "./kind.js";

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
  const lo = poolWindows(win, windowMax(x.lo));
  const hi = poolWindows(win, windowMax(x.hi));
  const { channelBits, cost } = maxPoolCost(op, x);
  return {
    params: { kind: "maxpool", win, diffBits: Math.max(...channelBits), channelBits },
    range: { frac: x.frac, lo, hi, err: x.err },
    cost,
  };
}

export const maxpool: Kind<"maxpool", "maxpool"> = {
  floatKinds: ["maxpool"],
  layerKind: "maxpool",
  templates: ["pool.circom"],
  readsRaw: true,
  evalFloat: (op, [x]) => poolWindows(op.win, windowMax(x)),
  evalInt: (layer, [x]) => poolWindows(layer.win, windowMax(x)),
  quantize: (op, xs) => quantizeMaxPool(op, xs),

  emit(layer, k, [input], ctx) {
    const { win } = layer;
    const bits = constantFunction(ctx, `PBITS${k}`, layer.channelBits);
    const geometry = `${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}`;
    const widths = `${Math.min(...layer.channelBits)}..${layer.diffBits} bits per channel`;
    const args = [1, win.h, win.w, win.kh, win.kw, win.sh, win.sw, win.pt, win.pl, win.dh, win.dw, win.oh, win.ow];
    return emitInstances(ctx, k, {
      comment: `${layer.nodes.join(" + ")}: max pool ${geometry}, differences of ${widths}`,
      component: "pool",
      loopVar: "nc",
      count: win.n * win.c,
      template: templateCall("MaxPool2D", [...args, `pbits${k}[nc % ${win.c}]`]),
      declarations: [`  var pbits${k}[${win.c}] = ${bits};`],
      input,
      inSize: win.h * win.w,
      outSize: win.oh * win.ow,
    });
  },
};

// AveragePool layer core -> circom: one SumPool2D (window sums times constant multipliers) per image.
import type { AvgPoolLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, emitInstances, type EmitContext, templateCall } from "../emit-context.js";

export function emitAvgPool(layer: AvgPoolLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
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
}

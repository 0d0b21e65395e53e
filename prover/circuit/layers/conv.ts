// Conv layer core -> circom: one Conv2D instance per image of the batch (constant kernel).
import type { ConvLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, emitInstances, type EmitContext, templateCall } from "../emit-context.js";

export function emitConv(layer: ConvLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const { win, m, group } = layer;
  const w = constantFunction(ctx, `W${k}`, layer.weight, [m, win.c / group, win.kh, win.kw]);
  const b = constantFunction(ctx, `B${k}`, layer.bias);
  const shape = `${win.c}x${win.h}x${win.w} -> ${m}x${win.oh}x${win.ow}`;
  const geometry = `kernel ${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}, dilation ${win.dh}x${win.dw}`;
  const args = [win.c, win.h, win.w, m, win.kh, win.kw, group, win.sh, win.sw, win.pt, win.pl, win.dh, win.dw];
  return emitInstances(ctx, k, {
    comment: `${layer.nodes.join(" + ")}: conv ${shape}, ${geometry}, group ${group}`,
    component: "conv",
    loopVar: "n",
    count: win.n,
    template: templateCall("Conv2D", [...args, win.oh, win.ow, w, b]),
    input,
    inSize: win.c * win.h * win.w,
    outSize: m * win.oh * win.ow,
  });
}

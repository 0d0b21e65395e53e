// MaxPool layer core -> circom: one MaxPool2D (chains of Max2) per image and channel, each with
// its channel's comparison width.
import type { MaxPoolLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, emitInstances, type EmitContext, templateCall } from "../emit-context.js";

export function emitMaxPool(layer: MaxPoolLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
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
}

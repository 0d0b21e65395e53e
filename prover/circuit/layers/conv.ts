// Conv layer core -> circom: one Conv2D instance per image of the batch (constant kernel).
import type { ConvLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitConv(layer: ConvLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const { win, m, group } = layer;
  const w = constantFunction(ctx, `W${k}`, layer.weight, [m, win.c / group, win.kh, win.kw]);
  const b = constantFunction(ctx, `B${k}`, layer.bias);
  const inSize = win.c * win.h * win.w;
  const outSize = m * win.oh * win.ow;
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: conv ${win.c}x${win.h}x${win.w} -> ${m}x${win.oh}x${win.ow}, kernel ${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}, dilation ${win.dh}x${win.dw}, group ${group}`,
    `  signal c${k}[${win.n * outSize}];`,
    `  component conv${k}[${win.n}];`,
    `  for (var n = 0; n < ${win.n}; n++) {`,
    `    conv${k}[n] = Conv2D(${win.c}, ${win.h}, ${win.w}, ${m}, ${win.kh}, ${win.kw}, ${group}, ${win.sh}, ${win.sw}, ${win.pt}, ${win.pl}, ${win.dh}, ${win.dw}, ${win.oh}, ${win.ow}, ${w}, ${b});`,
    `    for (var i = 0; i < ${inSize}; i++) conv${k}[n].in[i] <== ${input}[n * ${inSize} + i];`,
    `    for (var i = 0; i < ${outSize}; i++) c${k}[n * ${outSize} + i] <== conv${k}[n].out[i];`,
    `  }`,
  );
  return { values: `c${k}` };
}

// MaxPool layer core -> circom: one MaxPool2D (chains of Max2) per image and channel, each with
// its channel's comparison width.
import type { MaxPoolLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitMaxPool(layer: MaxPoolLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const { win } = layer;
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const bits = constantFunction(ctx, `PBITS${k}`, layer.channelBits);
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: max pool ${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}, differences of ${Math.min(...layer.channelBits)}..${layer.diffBits} bits per channel`,
    `  signal c${k}[${win.n * win.c * outPlane}];`,
    `  var pbits${k}[${win.c}] = ${bits};`,
    `  component pool${k}[${win.n * win.c}];`,
    `  for (var nc = 0; nc < ${win.n * win.c}; nc++) {`,
    `    pool${k}[nc] = MaxPool2D(1, ${win.h}, ${win.w}, ${win.kh}, ${win.kw}, ${win.sh}, ${win.sw}, ${win.pt}, ${win.pl}, ${win.dh}, ${win.dw}, ${win.oh}, ${win.ow}, pbits${k}[nc % ${win.c}]);`,
    `    for (var i = 0; i < ${plane}; i++) pool${k}[nc].in[i] <== ${input}[nc * ${plane} + i];`,
    `    for (var i = 0; i < ${outPlane}; i++) c${k}[nc * ${outPlane} + i] <== pool${k}[nc].out[i];`,
    `  }`,
  );
  return { values: `c${k}` };
}

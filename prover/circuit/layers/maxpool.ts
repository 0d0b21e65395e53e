// MaxPool layer core -> circom: one MaxPool2D (chains of Max2) per image.
import type { MaxPoolLayer } from "../../quantize/quantized-model.js";
import type { CoreEmit, EmitContext } from "../emit-context.js";

export function emitMaxPool(layer: MaxPoolLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const { win } = layer;
  const inSize = win.c * win.h * win.w;
  const outSize = win.c * win.oh * win.ow;
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: max pool ${win.kh}x${win.kw}, stride ${win.sh}x${win.sw}, ${layer.diffBits}-bit differences`,
    `  signal c${k}[${win.n * outSize}];`,
    `  component pool${k}[${win.n}];`,
    `  for (var n = 0; n < ${win.n}; n++) {`,
    `    pool${k}[n] = MaxPool2D(${win.c}, ${win.h}, ${win.w}, ${win.kh}, ${win.kw}, ${win.sh}, ${win.sw}, ${win.pt}, ${win.pl}, ${win.dh}, ${win.dw}, ${win.oh}, ${win.ow}, ${layer.diffBits});`,
    `    for (var i = 0; i < ${inSize}; i++) pool${k}[n].in[i] <== ${input}[n * ${inSize} + i];`,
    `    for (var i = 0; i < ${outSize}; i++) c${k}[n * ${outSize} + i] <== pool${k}[n].out[i];`,
    `  }`,
  );
  return { values: `c${k}` };
}

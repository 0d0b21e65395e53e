// AveragePool layer core -> circom: one SumPool2D (window sums times constant multipliers) per image.
import type { AvgPoolLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitAvgPool(layer: AvgPoolLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const { win } = layer;
  const mult = constantFunction(ctx, `MULT${k}`, layer.mult);
  const inSize = win.c * win.h * win.w;
  const outSize = win.c * win.oh * win.ow;
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: average pool ${win.kh}x${win.kw}, stride ${win.sh}x${win.sw} (sum times round(2^${layer.multFrac} / count))`,
    `  signal c${k}[${win.n * outSize}];`,
    `  component pool${k}[${win.n}];`,
    `  for (var n = 0; n < ${win.n}; n++) {`,
    `    pool${k}[n] = SumPool2D(${win.c}, ${win.h}, ${win.w}, ${win.kh}, ${win.kw}, ${win.sh}, ${win.sw}, ${win.pt}, ${win.pl}, ${win.oh}, ${win.ow}, ${mult});`,
    `    for (var i = 0; i < ${inSize}; i++) pool${k}[n].in[i] <== ${input}[n * ${inSize} + i];`,
    `    for (var i = 0; i < ${outSize}; i++) c${k}[n * ${outSize} + i] <== pool${k}[n].out[i];`,
    `  }`,
  );
  return { values: `c${k}` };
}

// Add layer core -> circom: y[i] = sum_t COEF[t] * x_t[SRC_t[i]] (linear; the coefficients
// carry the exact scale alignment).
import type { AddLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitAdd(layer: AddLayer, k: number, inputs: string[], ctx: EmitContext): CoreEmit {
  const n = layer.outMin.length;
  const terms: string[] = [];
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: add (coefficients ${layer.coef.join(", ")})`,
    `  signal c${k}[${n}];`,
  );
  inputs.forEach((name, t) => {
    const src = layer.src[t];
    if (src) ctx.body.push(`  var src${k}_${t}[${n}] = ${constantFunction(ctx, `SRC${k}_${t}`, src)};`);
    terms.push(`${layer.coef[t]} * ${name}[${src ? `src${k}_${t}[i]` : "i"}]`);
  });
  ctx.body.push(`  for (var i = 0; i < ${n}; i++) c${k}[i] <== ${terms.join(" + ")};`);
  return { values: `c${k}` };
}

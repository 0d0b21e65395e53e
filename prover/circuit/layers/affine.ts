// Affine layer core -> circom: y[i] = MUL[i] * x[SRC[i]] + ADD[i] with constant tables (linear).
import type { AffineLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitAffine(layer: AffineLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const n = layer.mul.length;
  const mul = constantFunction(ctx, `MUL${k}`, layer.mul);
  const add = constantFunction(ctx, `ADD${k}`, layer.add);
  const src = layer.src ? constantFunction(ctx, `SRC${k}`, layer.src) : undefined;
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: elementwise affine (multiplier scale 2^${layer.mulFrac})`,
    `  signal c${k}[${n}];`,
    `  var mul${k}[${n}] = ${mul};`,
    `  var add${k}[${n}] = ${add};`,
    ...(src ? [`  var src${k}[${n}] = ${src};`] : []),
    `  for (var i = 0; i < ${n}; i++) c${k}[i] <== mul${k}[i] * ${input}[${src ? `src${k}[i]` : "i"}] + add${k}[i];`,
  );
  return { values: `c${k}` };
}

// Dense layer core -> circom: constant weights (no constraints for the products), one Dense
// instance per row of the input.
import type { DenseLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitDense(layer: DenseLayer, k: number, [input]: string[], ctx: EmitContext): CoreEmit {
  const { rows, inFeatures: n, outFeatures: m } = layer;
  const w = constantFunction(ctx, `W${k}`, layer.weight, [m, n]);
  ctx.body.push(`  // layer ${k}: ${layer.nodes.join(" + ")}: dense ${n} -> ${m}${rows > 1 ? ` on ${rows} rows` : ""}`);
  ctx.body.push(`  signal c${k}[${rows * m}];`);
  for (let r = 0; r < rows; r++) {
    const b = constantFunction(ctx, rows > 1 ? `B${k}_${r}` : `B${k}`, layer.bias.slice(r * m, (r + 1) * m));
    const lin = rows > 1 ? `lin${k}_${r}` : `lin${k}`;
    ctx.body.push(
      `  component ${lin} = Dense(${n}, ${m}, ${w}, ${b});`,
      `  for (var i = 0; i < ${n}; i++) ${lin}.in[i] <== ${input}[${r * layer.rowStride} + i * ${layer.colStride}];`,
      `  for (var j = 0; j < ${m}; j++) c${k}[${r * m} + j] <== ${lin}.out[j];`,
    );
  }
  return { values: `c${k}` };
}

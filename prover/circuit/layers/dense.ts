// Dense layer (+ fused ReLU) -> circom: constant weights (no constraints for the products),
// then one FloorShift / FloorShiftRelu per output.
import type { DenseLayer } from "../../quantize/quantized-model.js";
import type { EmitContext } from "../emit-context.js";

export function emitDense(layer: DenseLayer, k: number, input: string, ctx: EmitContext): string {
  const w = `W${k}`;
  const b = `B${k}`;
  const rows: string[] = [];
  for (let j = 0; j < layer.outFeatures; j++) {
    rows.push(`[${layer.weight.slice(j * layer.inFeatures, (j + 1) * layer.inFeatures).join(",")}]`);
  }
  ctx.functions.push(`function ${w}() {\n  return [\n    ${rows.join(",\n    ")}\n  ];\n}`);
  ctx.functions.push(`function ${b}() {\n  return [${layer.bias.join(", ")}];\n}`);
  const lin = `lin${k}`;
  const act = `act${k}`;
  const tpl = layer.relu ? "FloorShiftRelu" : "FloorShift";
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: ${layer.inFeatures} -> ${layer.outFeatures}, shift ${layer.shift}, ${layer.bits}-bit${layer.relu ? ", ReLU" : ""}`,
    `  component ${lin} = Dense(${layer.inFeatures}, ${layer.outFeatures}, ${w}(), ${b}());`,
    `  for (var i = 0; i < ${layer.inFeatures}; i++) ${lin}.in[i] <== ${input}[i];`,
    `  component ${act}[${layer.outFeatures}];`,
    `  signal h${k}[${layer.outFeatures}];`,
    `  for (var j = 0; j < ${layer.outFeatures}; j++) {`,
    `    ${act}[j] = ${tpl}(${layer.shift}, ${layer.bits});`,
    `    ${act}[j].in <== ${lin}.out[j];`,
    `    h${k}[j] <== ${act}[j].out;`,
    `  }`,
  );
  return `h${k}`;
}

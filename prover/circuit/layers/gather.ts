// Gather layer core -> circom: pure wiring (Concat / Pad / Transpose); inputs scaled by exact
// powers of two, constants where FROM[i] < 0 (linear).
import type { GatherLayer } from "../../quantize/quantized-model.js";
import { constantFunction, type CoreEmit, type EmitContext } from "../emit-context.js";

export function emitGather(layer: GatherLayer, k: number, inputs: string[], ctx: EmitContext): CoreEmit {
  const n = layer.from.length;
  ctx.body.push(
    `  // layer ${k}: ${layer.nodes.join(" + ")}: data movement from ${inputs.join(", ")}`,
    `  signal c${k}[${n}];`,
    `  var from${k}[${n}] = ${constantFunction(ctx, `FROM${k}`, layer.from)};`,
    `  var index${k}[${n}] = ${constantFunction(ctx, `INDEX${k}`, layer.index)};`,
    `  var fill${k}[${n}] = ${constantFunction(ctx, `FILL${k}`, layer.fill)};`,
    `  for (var i = 0; i < ${n}; i++) {`,
    `    if (from${k}[i] < 0) {`,
    `      c${k}[i] <== fill${k}[i];`,
    ...inputs.map(
      (name, t) =>
        `    } else if (from${k}[i] == ${t}) {\n      c${k}[i] <== ${2 ** layer.shift[t]} * ${name}[index${k}[i]];`,
    ),
    `    }`,
    `  }`,
  );
  return { values: `c${k}` };
}

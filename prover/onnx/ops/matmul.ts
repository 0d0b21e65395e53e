// MatMul: A [1, K] (activation) x B [K, N] (constant) -> dense op with zero bias.
// A following Add of a constant folds into its bias (see add.ts).
import type { NormalizeContext } from "../context.js";
import { vectorFeatures } from "../context.js";

export function matmul(ctx: NormalizeContext): void {
  const a = ctx.dynInput(0);
  const k = vectorFeatures(ctx, a);
  const b = ctx.constInput(1, "B (the weight matrix)");
  if (b.dims.length !== 2) ctx.unsupported(`B must be 2-D, got [${b.dims.join(", ")}]`);
  ctx.expectShape("inner dimension of B", [k], [b.dims[0]]);
  const n = b.dims[1];
  const weight = new Float64Array(n * k);
  for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) weight[j * k + i] = b.data[i * n + j];
  const out = ctx.dynOutput(0, a.shape.length === 1 ? [n] : [1, n]);
  ctx.emit({ kind: "dense", input: a.name, output: out.name, inFeatures: k, outFeatures: n, weight, bias: new Float64Array(n), nodes: [ctx.node.name] });
}

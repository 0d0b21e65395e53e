// MatMul: A [..., K] (activation) x B [K, N] (constant) -> dense op over every row of A.
// A following Add of a constant folds into its bias (see add.ts).
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

export function matmul(ctx: NormalizeContext): void {
  const a = ctx.dynInput(0);
  const b = ctx.constInput(1, "B (the weight matrix)");
  if (b.dims.length !== 2)
    ctx.unsupported(`B must be 2-D (batched weights are not supported), got [${b.dims.join(", ")}]`);
  const k = a.shape[a.shape.length - 1];
  ctx.expectShape("inner dimension of B", [k], [b.dims[0]]);
  const n = b.dims[1];
  const rows = numel(a.shape.slice(0, -1));
  const weight = new Float64Array(n * k);
  for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) weight[j * k + i] = b.data[i * n + j];
  const out = ctx.dynOutput(0, [...a.shape.slice(0, -1), n]);
  ctx.emit({
    kind: "dense",
    inputs: [a.name],
    output: out.name,
    size: rows * n,
    rows,
    inFeatures: k,
    outFeatures: n,
    rowStride: k,
    colStride: 1,
    weight,
    bias: new Float64Array(rows * n),
    nodes: [ctx.node.name],
  });
}

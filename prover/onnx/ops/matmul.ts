// MatMul: A [..., K] (activation) x B [K, N] (constant) -> dense op over every row of A.
// A following Add of a constant folds into its bias (see add.ts). Two activations (attention's
// Q K^T and A V), [..., M, K] x [..., K, N] with numpy-broadcast batch dimensions -> a matmul op.
import { broadcastIndex, broadcastShape } from "../broadcast.js";
import type { DynValue, NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

function matmulOfActivations(ctx: NormalizeContext, a: DynValue, b: DynValue): void {
  if (a.shape.length < 2 || b.shape.length < 2)
    ctx.unsupported("a product of two activations needs both of rank >= 2 (1-D operands are not supported)");
  const [m, k] = a.shape.slice(-2);
  const [kb, n] = b.shape.slice(-2);
  ctx.expectShape("inner dimension of B", [k], [kb]);
  const batchShape = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2), `node "${ctx.node.name}"`);
  const batch = numel(batchShape);
  const offsets = (from: number[], per: number) => {
    const map = broadcastIndex(batchShape, from);
    return Int32Array.from({ length: batch }, (_, z) => (map ? map[z] : z) * per);
  };
  const out = ctx.dynOutput(0, [...batchShape, m, n]);
  ctx.emit({
    kind: "matmul",
    inputs: [a.name, b.name],
    output: out.name,
    size: batch * m * n,
    batch,
    m,
    k,
    n,
    aOffset: offsets(a.shape.slice(0, -2), m * k),
    bOffset: offsets(b.shape.slice(0, -2), k * n),
    scale: 1,
    nodes: [ctx.node.name],
  });
}

export function matmul(ctx: NormalizeContext): void {
  const a = ctx.dynInput(0);
  if (ctx.input(1)?.kind === "dyn") return matmulOfActivations(ctx, a, ctx.dynInput(1));
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

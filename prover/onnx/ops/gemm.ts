// Gemm: Y = alpha * A' * B' + beta * C with A the activation ([M, K], or [K, M] with transA)
// and B, C constant. One dense op per row of A: W[n][k] = alpha * B'[k][n], bias = beta * C
// broadcast to [M, N].
import { broadcastShape, expand } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";

export function gemm(ctx: NormalizeContext): void {
  const a = ctx.dynInput(0);
  const transA = ctx.attrInt("transA", 0);
  const transB = ctx.attrInt("transB", 0);
  const alpha = ctx.attrFloat("alpha", 1);
  const beta = ctx.attrFloat("beta", 1);
  if (a.shape.length !== 2) ctx.unsupported(`A must be 2-D, got [${a.shape.join(", ")}]`);
  const [rows, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const b = ctx.constInput(1, "B");
  if (b.dims.length !== 2) ctx.unsupported(`B must be 2-D, got [${b.dims.join(", ")}]`);
  const [bk, bn] = transB ? [b.dims[1], b.dims[0]] : [b.dims[0], b.dims[1]];
  ctx.expectShape("inner dimension of B", [k], [bk]);
  const weight = new Float64Array(bn * k);
  for (let j = 0; j < bn; j++) {
    for (let i = 0; i < k; i++) weight[j * k + i] = alpha * (transB ? b.data[j * k + i] : b.data[i * bn + j]);
  }
  let bias = new Float64Array(rows * bn);
  if (ctx.inputCount >= 3 && ctx.node.inputs[2]) {
    const c = ctx.constInput(2, "C");
    const shape = broadcastShape([rows, bn], c.dims, `node "${ctx.node.name}" (Gemm) C`);
    ctx.expectShape("C broadcast", [rows, bn], shape);
    bias = expand(c.data, c.dims, [rows, bn]).map((v) => beta * v);
  }
  const out = ctx.dynOutput(0, [rows, bn]);
  ctx.emit({
    kind: "dense",
    inputs: [a.name],
    output: out.name,
    size: rows * bn,
    rows,
    inFeatures: k,
    outFeatures: bn,
    rowStride: transA ? 1 : k,
    colStride: transA ? rows : 1,
    weight,
    bias,
    nodes: [ctx.node.name],
  });
}

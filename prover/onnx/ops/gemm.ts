// Gemm: Y = alpha * A' * B' + beta * C with A the activation [1, K] and B, C constant.
// Becomes one dense op with W[n][k] = alpha * B'[k][n] and bias = beta * C (broadcast).
import type { NormalizeContext } from "../context.js";
import { vectorFeatures } from "../context.js";

export function gemm(ctx: NormalizeContext): void {
  const a = ctx.dynInput(0);
  const transA = ctx.attrInt("transA", 0);
  const transB = ctx.attrInt("transB", 0);
  const alpha = ctx.attrFloat("alpha", 1);
  const beta = ctx.attrFloat("beta", 1);
  if (ctx.opset < 7 && ctx.attrInt("broadcast", 0) === 0 && ctx.inputCount === 3) {
    // Before opset 7, C broadcast only when asked to; we accept C of full output shape.
  }
  if (a.shape.length !== 2) ctx.unsupported(`A must be 2-D, got [${a.shape.join(", ")}]`);
  if (transA && a.shape[1] !== 1) ctx.unsupported("transA=1 is supported only for a [K, 1] activation (batch 1)");
  if (!transA && a.shape[0] !== 1) ctx.unsupported(`batch must be 1, got A of shape [${a.shape.join(", ")}]`);
  const k = vectorFeatures(ctx, { ...a, shape: transA ? [a.shape[1], a.shape[0]] : a.shape });
  const b = ctx.constInput(1, "B");
  if (b.dims.length !== 2) ctx.unsupported(`B must be 2-D, got [${b.dims.join(", ")}]`);
  const [bk, bn] = transB ? [b.dims[1], b.dims[0]] : [b.dims[0], b.dims[1]];
  ctx.expectShape("inner dimension of B", [k], [bk]);
  const weight = new Float64Array(bn * k);
  for (let j = 0; j < bn; j++) {
    for (let i = 0; i < k; i++) weight[j * k + i] = alpha * (transB ? b.data[j * k + i] : b.data[i * bn + j]);
  }
  const bias = new Float64Array(bn);
  const c = ctx.inputCount >= 3 ? ctx.constInput(2, "C") : undefined;
  if (c) {
    const n = c.data.length;
    if (n !== 1 && n !== bn) ctx.unsupported(`C must broadcast to [1, ${bn}], got [${c.dims.join(", ")}]`);
    for (let j = 0; j < bn; j++) bias[j] = beta * c.data[n === 1 ? 0 : j];
  }
  const out = ctx.dynOutput(0, [1, bn]);
  ctx.emit({ kind: "dense", input: a.name, output: out.name, inFeatures: k, outFeatures: bn, weight, bias, nodes: [ctx.node.name] });
}

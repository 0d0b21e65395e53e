// BatchNormalization (inference): y = scale * (x - mean) / sqrt(var + epsilon) + B per channel
// (axis 1). Folded into the preceding Conv / Gemm when it feeds only this node, else an affine op.
import { expand } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";
import { applyAffine } from "../fold.js";

export function batchNormalization(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  if (ctx.attrInt("training_mode", 0) !== 0) ctx.unsupported("training_mode=1");
  if (ctx.opset < 6 && ctx.attrInt("is_test", 0) === 0 && ctx.hasAttr("is_test"))
    ctx.unsupported("is_test=0 (training)");
  if (ctx.opset < 9 && ctx.attrInt("spatial", 1) === 0) ctx.unsupported("spatial=0");
  ctx.onlyFirstOutput();
  const eps = ctx.attrFloat("epsilon", 1e-5);
  const [scale, bias, mean, variance] = ["scale", "B", "mean", "var"].map((w, i) => ctx.constInput(i + 1, w));
  const c = x.shape.length >= 2 ? x.shape[1] : 1;
  for (const t of [scale, bias, mean, variance]) {
    if (t.data.length !== c) ctx.unsupported(`parameter of ${t.data.length} values for ${c} channels`);
  }
  const m = new Float64Array(c);
  const a = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    m[k] = scale.data[k] / Math.sqrt(variance.data[k] + eps);
    a[k] = bias.data[k] - mean.data[k] * m[k];
  }
  const perChannel = [c, ...new Array<number>(Math.max(0, x.shape.length - 2)).fill(1)];
  applyAffine(ctx, 0, x, x.shape, expand(m, perChannel, x.shape), expand(a, perChannel, x.shape));
}

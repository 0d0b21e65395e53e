// Dropout in inference mode is the identity. Training mode (random) and a used mask output are
// not supported.
import type { NormalizeContext } from "../context.js";

export function dropout(ctx: NormalizeContext): void {
  const v = ctx.input(0);
  if (!v) ctx.unsupported("missing input");
  ctx.onlyFirstOutput();
  if (ctx.opset < 7 && ctx.attrInt("is_test", 1) === 0 && ctx.hasAttr("is_test"))
    ctx.unsupported("is_test=0 (training)");
  if (ctx.node.inputs[2]) {
    const training = ctx.constInput(2, "training_mode");
    // With ratio 0 even training mode keeps every element (and scales by 1 / (1 - 0)).
    const ratio = ctx.node.inputs[1] ? ctx.constInput(1, "ratio").data[0] : 0.5;
    if (training.data[0] !== 0 && ratio !== 0) ctx.unsupported("training_mode=true (random dropout)");
  }
  ctx.define(0, v);
}

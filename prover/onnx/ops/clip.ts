// Clip (Relu6 included): bounds from attributes (opset < 11) or constant inputs.
import type { NormalizeContext } from "../context.js";

export function clip(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  let min: number | null = null;
  let max: number | null = null;
  if (ctx.opset < 11) {
    if (ctx.hasAttr("min")) min = ctx.attrFloat("min", -Infinity);
    if (ctx.hasAttr("max")) max = ctx.attrFloat("max", Infinity);
  } else {
    if (ctx.node.inputs[1]) min = ctx.constInput(1, "min").data[0];
    if (ctx.node.inputs[2]) max = ctx.constInput(2, "max").data[0];
  }
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({
    kind: "clip",
    inputs: [x.name],
    output: out.name,
    size: out.shape.reduce((a, b) => a * b, 1),
    min,
    max,
    nodes: [ctx.node.name],
  });
}

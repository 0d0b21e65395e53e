// LeakyRelu (one slope, default 0.01) and PRelu (constant slope broadcast to the input).
import { broadcastShape, expand } from "../broadcast.js";
import type { DynValue, NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

/** The node's output: x where x >= 0, slope * x elsewhere (one slope, or one per element). */
function emitLeakyRelu(ctx: NormalizeContext, x: DynValue, slope: Float64Array): void {
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({
    kind: "leakyRelu",
    inputs: [x.name],
    output: out.name,
    size: numel(x.shape),
    slope,
    nodes: [ctx.node.name],
  });
}

export function leakyRelu(ctx: NormalizeContext): void {
  emitLeakyRelu(ctx, ctx.dynInput(0), Float64Array.of(ctx.attrFloat("alpha", 0.01)));
}

export function prelu(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const s = ctx.constInput(1, "slope");
  // Before opset 7 a 1-D slope is per channel (axis 1).
  const dims =
    ctx.opset < 7 && s.dims.length === 1 && x.shape.length > 2
      ? [s.dims[0], ...new Array<number>(x.shape.length - 2).fill(1)]
      : s.dims;
  const shape = broadcastShape(x.shape, dims, `node "${ctx.node.name}" (PRelu)`);
  ctx.expectShape("output (the slope must broadcast to the input)", x.shape, shape);
  emitLeakyRelu(ctx, x, expand(s.data, dims, x.shape));
}

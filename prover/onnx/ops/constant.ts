// Constant: a tensor literal in the graph; becomes a constant value (never a circuit signal).
import type { NormalizeContext } from "../context.js";

export function constant(ctx: NormalizeContext): void {
  const t = ctx.attrTensor("value");
  if (t) return ctx.define(0, { kind: "const", tensor: t });
  if (ctx.hasAttr("value_float")) {
    return ctx.define(0, {
      kind: "const",
      tensor: { dims: [], data: Float64Array.of(ctx.attrFloat("value_float", 0)) },
    });
  }
  const ints = ctx.attrInts("value_ints");
  if (ints) return ctx.define(0, { kind: "const", tensor: { dims: [ints.length], data: Float64Array.from(ints) } });
  if (ctx.hasAttr("value_int")) {
    return ctx.define(0, { kind: "const", tensor: { dims: [], data: Float64Array.of(ctx.attrInt("value_int", 0)) } });
  }
  ctx.unsupported("only value, value_float, value_int and value_ints constants are supported");
}

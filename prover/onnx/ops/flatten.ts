// Flatten(axis): [d0..d(a-1), da..dn] -> [prod(d0..d(a-1)), prod(da..dn)]. Row-major data is unchanged.
import { numel } from "../tensor.js";
import type { NormalizeContext } from "../context.js";

export function flatten(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const r = x.shape.length;
  let axis = ctx.attrInt("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) ctx.unsupported(`axis ${ctx.attrInt("axis", 1)} out of range for rank ${r}`);
  ctx.define(0, { kind: "dyn", name: x.name, shape: [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))] });
}

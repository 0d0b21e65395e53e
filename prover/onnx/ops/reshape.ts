// Reshape with a constant target shape (0 copies a dim, -1 is inferred). Data is unchanged.
import { ShapeMismatchError } from "../../errors.js";
import { numel } from "../tensor.js";
import type { NormalizeContext } from "../context.js";

export function reshape(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const target = ctx.opset >= 5 ? Array.from(ctx.constInput(1, "shape").data) : ctx.attrInts("shape");
  if (!target) ctx.unsupported("missing shape");
  const allowZero = ctx.attrInt("allowzero", 0) === 1;
  const dims = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  const known = numel(dims.filter((d) => d !== -1));
  const total = numel(x.shape);
  const out = dims.map((d) => (d === -1 ? total / known : d));
  if (numel(out) !== total || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeMismatchError(`node "${ctx.node.name}" (Reshape) target`, target, x.shape);
  }
  ctx.define(0, { kind: "dyn", name: x.name, shape: out });
}

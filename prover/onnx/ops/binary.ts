// Shared handling of the elementwise binary operators (Add, Sub, Mul, Div) with numpy
// broadcasting: activation (op) constant becomes an affine op (or folds into its producer),
// activation +/- activation an add op; constant (op) constant is folded at normalization.
import { broadcastIndex, broadcastShape, expand } from "../broadcast.js";
import type { ConstValue, NormalizeContext } from "../context.js";
import { applyAffine } from "../fold.js";
import { numel } from "../tensor.js";

export type BinaryKind = "add" | "sub" | "mul" | "div";

const APPLY: Record<BinaryKind, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

function constResult(ctx: NormalizeContext, kind: BinaryKind, a: ConstValue, b: ConstValue): void {
  const shape = broadcastShape(a.tensor.dims, b.tensor.dims, `node "${ctx.node.name}"`);
  const x = expand(a.tensor.data, a.tensor.dims, shape);
  const y = expand(b.tensor.data, b.tensor.dims, shape);
  ctx.define(0, { kind: "const", tensor: { dims: shape, data: x.map((v, i) => APPLY[kind](v, y[i])) } });
}

export function binary(ctx: NormalizeContext, kind: BinaryKind): void {
  if (ctx.opset < 7 && ctx.hasAttr("broadcast") && ctx.hasAttr("axis"))
    ctx.unsupported("legacy broadcast with an axis attribute");
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (!a || !b) ctx.unsupported("needs two inputs");
  if (a.kind === "const" && b.kind === "const") return constResult(ctx, kind, a, b);
  const dynIndex = a.kind === "dyn" ? 0 : 1;
  const x = ctx.dynInput(dynIndex);
  const where = `node "${ctx.node.name}" (${ctx.node.opType})`;
  if (a.kind === "dyn" && b.kind === "dyn") {
    const y = ctx.dynInput(1);
    if (kind === "div") ctx.unsupported("the quotient of two activations is not supported (only by a constant)");
    const shape = broadcastShape(x.shape, y.shape, where);
    const out = ctx.dynOutput(0, shape);
    if (kind === "mul") {
      ctx.emit({
        kind: "product",
        inputs: [x.name, y.name],
        output: out.name,
        size: numel(shape),
        src: [broadcastIndex(shape, x.shape), broadcastIndex(shape, y.shape)],
        nodes: [ctx.node.name],
      });
      return;
    }
    ctx.emit({
      kind: "add",
      inputs: [x.name, y.name],
      output: out.name,
      size: numel(shape),
      coef: [1, kind === "sub" ? -1 : 1],
      src: [broadcastIndex(shape, x.shape), broadcastIndex(shape, y.shape)],
      nodes: [ctx.node.name],
    });
    return;
  }
  const c = (dynIndex === 0 ? b : a) as ConstValue;
  const shape = broadcastShape(x.shape, c.tensor.dims, where);
  const cf = expand(c.tensor.data, c.tensor.dims, shape);
  const constFirst = dynIndex === 1;
  switch (kind) {
    case "add":
      return applyAffine(ctx, dynIndex, x, shape, null, cf);
    case "sub":
      return constFirst
        ? applyAffine(
            ctx,
            dynIndex,
            x,
            shape,
            cf.map(() => -1),
            cf,
          )
        : applyAffine(
            ctx,
            dynIndex,
            x,
            shape,
            null,
            cf.map((v) => -v),
          );
    case "mul":
      return applyAffine(ctx, dynIndex, x, shape, cf, null);
    case "div":
      if (constFirst) ctx.unsupported("division by an activation is not supported");
      if (cf.some((v) => v === 0)) ctx.unsupported("division by zero");
      return applyAffine(
        ctx,
        dynIndex,
        x,
        shape,
        cf.map((v) => 1 / v),
        null,
      );
  }
}

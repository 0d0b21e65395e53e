// Squeeze / Unsqueeze: views (the row-major data is unchanged).
import { normalizeAxis } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";

function axesOf(ctx: NormalizeContext): number[] | undefined {
  if (ctx.opset >= 13) return ctx.node.inputs[1] ? Array.from(ctx.constInput(1, "axes").data) : undefined;
  return ctx.attrInts("axes");
}

/** A view of input 0 (dynamic or constant) with a new shape. */
function reshaped(ctx: NormalizeContext, shape: number[]): void {
  const v = ctx.input(0)!;
  ctx.define(0, v.kind === "const" ? { kind: "const", tensor: { dims: shape, data: v.tensor.data } } : { ...v, shape });
}

/** Input 0's shape (a constant is folded, a dynamic tensor is viewed). */
function shapeOf(ctx: NormalizeContext): { shape: number[] } {
  const v = ctx.input(0);
  if (v?.kind === "const") return { shape: v.tensor.dims };
  return ctx.dynInput(0);
}

export function squeeze(ctx: NormalizeContext): void {
  const x = shapeOf(ctx);
  const axes = axesOf(ctx)?.map((a) => normalizeAxis(a, x.shape.length) ?? ctx.unsupported(`axis ${a} out of range`));
  const shape = x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  if (axes?.some((a) => x.shape[a] !== 1)) ctx.unsupported("squeezing an axis whose size is not 1");
  reshaped(ctx, shape);
}

export function unsqueeze(ctx: NormalizeContext): void {
  const x = shapeOf(ctx);
  const raw = axesOf(ctx) ?? ctx.unsupported("missing axes");
  const rank = x.shape.length + raw.length;
  const axes = raw.map((a) => normalizeAxis(a, rank) ?? ctx.unsupported(`axis ${a} out of range`));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[j++]);
  reshaped(ctx, shape);
}

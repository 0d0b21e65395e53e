// Shape arithmetic and indexing as exporters emit them: Shape (static here: every shape is
// known, so it folds to a constant), Gather with constant indices (folded on a constant; pure
// data movement on an activation, e.g. the last time step), and Expand (folded on a constant;
// a broadcast copy of an activation). Gather on a constant table by activation indices is an
// embedding lookup (prover/kinds/embed.ts).
import { broadcastIndex, broadcastShape, normalizeAxis } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

/**
 * Output 0 as elements of input 0: y[k] = x[index[k]] with shape `shape`, folded when the input
 * is a constant, else a gather op (pure data movement).
 */
export function selectElements(ctx: NormalizeContext, index: Int32Array, shape: number[]): void {
  const v = ctx.input(0)!;
  if (v.kind === "const") {
    const data = Float64Array.from(index, (i) => v.tensor.data[i]);
    return ctx.define(0, { kind: "const", tensor: { dims: shape, data } });
  }
  const x = ctx.dynInput(0);
  const size = index.length;
  const out = ctx.dynOutput(0, shape);
  const [from, fill] = [new Int32Array(size), new Float64Array(size)];
  ctx.emit({ kind: "gather", inputs: [x.name], output: out.name, size, from, index, fill, nodes: [ctx.node.name] });
}

function dimsOf(ctx: NormalizeContext, i: number): number[] {
  const v = ctx.input(i);
  if (!v) ctx.unsupported(`missing input ${i}`);
  return v.kind === "const" ? v.tensor.dims : v.shape;
}

export function shape(ctx: NormalizeContext): void {
  const dims = dimsOf(ctx, 0);
  const rank = dims.length;
  const clampAxis = (a: number) => Math.min(rank, Math.max(0, a < 0 ? a + rank : a));
  const [start, end] = [clampAxis(ctx.attrInt("start", 0)), clampAxis(ctx.attrInt("end", rank))];
  const data = Float64Array.from(dims.slice(start, Math.max(start, end)));
  ctx.define(0, { kind: "const", tensor: { dims: [data.length], data } });
}

/** Gather on a constant table by activation indices along axis 0: an embedding lookup. */
function embed(ctx: NormalizeContext): void {
  const table = ctx.constInput(0, "the table (data)");
  const ids = ctx.dynInput(1);
  if (ctx.attrInt("axis", 0) !== 0 && ctx.attrInt("axis", 0) !== -table.dims.length)
    ctx.unsupported("a lookup by activation indices along another axis than 0");
  const [vocab, ...rest] = table.dims;
  const dim = numel(rest);
  const count = numel(ids.shape);
  const shape = [...ids.shape, ...rest];
  const out = ctx.dynOutput(0, shape);
  ctx.emit({
    kind: "embed",
    inputs: [ids.name],
    output: out.name,
    size: count * dim,
    count,
    vocab,
    dim,
    table: Float64Array.from(table.data),
    nodes: [ctx.node.name],
  });
}

export function gather(ctx: NormalizeContext): void {
  if (ctx.input(1)?.kind === "dyn" && ctx.input(0)?.kind === "const") return embed(ctx);
  const dims = dimsOf(ctx, 0);
  const indices = ctx.constInput(1, "indices");
  const axis = normalizeAxis(ctx.attrInt("axis", 0), dims.length);
  if (axis === undefined) ctx.unsupported(`axis ${ctx.attrInt("axis", 0)} out of range`);
  const n = dims[axis];
  const idx = Array.from(indices.data, (i) => {
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) ctx.unsupported(`index ${i} out of range for size ${n}`);
    return j;
  });
  const outer = numel(dims.slice(0, axis));
  const inner = numel(dims.slice(axis + 1));
  const outShape = [...dims.slice(0, axis), ...indices.dims, ...dims.slice(axis + 1)];
  const size = numel(outShape);
  const index = new Int32Array(size);
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const j of idx) for (let i = 0; i < inner; i++) index[k++] = (o * n + j) * inner + i;
  selectElements(ctx, index, outShape);
}

export function expand(ctx: NormalizeContext): void {
  const dims = dimsOf(ctx, 0);
  const target = Array.from(ctx.constInput(1, "shape").data);
  const outShape = broadcastShape(dims, target, `node "${ctx.node.name}" (Expand)`);
  const size = numel(outShape);
  selectElements(ctx, broadcastIndex(outShape, dims) ?? Int32Array.from({ length: size }, (_, i) => i), outShape);
}

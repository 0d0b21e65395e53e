// ReduceMean / ReduceSum over constant axes: a dense op with constant weights (1/k or 1) over the
// reduced elements, after a transpose that brings them last when they are not already (pure data
// movement). A ReduceMean that starts a decomposed LayerNormalization is fused instead
// (./layer-norm.ts).
import type { DynValue, NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { fuseDecomposedLayerNorm } from "./layer-norm.js";
import { permutedIndex } from "./transpose.js";

/** The reduced axes (sorted, non-negative), from the attribute or (opset 18+ / ReduceSum 13+) input 1. */
function reducedAxes(ctx: NormalizeContext, rank: number): number[] {
  const fromInput = ctx.node.inputs[1] ? Array.from(ctx.constInput(1, "axes").data) : undefined;
  const given = fromInput ?? ctx.attrInts("axes");
  if (!given || given.length === 0) {
    if (fromInput && ctx.attrInt("noop_with_empty_axes", 0) === 1) ctx.unsupported("noop_with_empty_axes");
    return Array.from({ length: rank }, (_, i) => i);
  }
  const axes = given.map((a) => (a < 0 ? a + rank : a));
  if (axes.some((a) => a < 0 || a >= rank) || new Set(axes).size !== axes.length)
    ctx.unsupported(`axes [${given.join(", ")}] for rank ${rank}`);
  return [...axes].sort((a, b) => a - b);
}

function reduce(ctx: NormalizeContext, mean: boolean): void {
  const x = ctx.dynInput(0);
  const rank = x.shape.length;
  const axes = reducedAxes(ctx, rank);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const k = numel(axes.map((a) => x.shape[a]));
  const rows = numel(kept.map((a) => x.shape[a]));
  const keepdims = ctx.attrInt("keepdims", 1) === 1;
  const shape = keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((a) => x.shape[a]);
  const input = axesLast(ctx, x, [...kept, ...axes]);
  const out = ctx.dynOutput(0, shape);
  ctx.emit({
    kind: "dense",
    inputs: [input],
    output: out.name,
    size: rows,
    rows,
    inFeatures: k,
    outFeatures: 1,
    rowStride: k,
    colStride: 1,
    weight: new Float64Array(k).fill(mean ? 1 / k : 1),
    bias: new Float64Array(rows),
    nodes: [ctx.node.name],
  });
}

/** The float-graph tensor holding x with its axes in order `perm` (a gather op unless perm is the identity). */
function axesLast(ctx: NormalizeContext, x: DynValue, perm: number[]): string {
  if (perm.every((p, i) => p === i)) return x.name;
  const index = permutedIndex(x.shape, perm);
  const size = index.length;
  const name = `${ctx.node.outputs[0]}/axes-last`;
  ctx.emit({
    kind: "gather",
    inputs: [x.name],
    output: name,
    size,
    from: new Int32Array(size),
    index,
    fill: new Float64Array(size),
    nodes: [ctx.node.name],
  });
  return name;
}

export function reduceMean(ctx: NormalizeContext): void {
  if (fuseDecomposedLayerNorm(ctx)) return;
  reduce(ctx, true);
}

export function reduceSum(ctx: NormalizeContext): void {
  reduce(ctx, false);
}

// LayerNormalization (opset 17), and the decomposed form exporters emit below opset 17, fused
// into one layerNorm op (prover/kinds/layer-norm.ts) over the trailing axes:
//
//   m = ReduceMean(x, last axis)   d = Sub(x, m)   p = Pow(d, 2) | Mul(d, d)   v = ReduceMean(p, last axis)
//   e = Add(v, eps)                s = Sqrt(e)     y = Div(d, s)
//
// (the Mul by gamma and Add of beta that follow fold into the op like any constant affine step).
// Sqrt is supported only inside this pattern.
import type { OnnxNode } from "../load-model.js";
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

export function layerNormalization(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const rank = x.shape.length;
  const given = ctx.attrInt("axis", -1);
  const axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) ctx.unsupported(`axis ${given} out of range for rank ${rank}`);
  // Mean and InvStdDev may be graph outputs (left unproven, noted by the reader), not read by nodes.
  for (const name of ctx.node.outputs.slice(1))
    if (name && ctx.readersOf(name).length > 0) ctx.unsupported(`its statistics output "${name}" is read by a node`);
  const n = numel(x.shape.slice(axis));
  const scale = ctx.constInput(1, "Scale");
  const bias = ctx.node.inputs[2] ? ctx.constInput(2, "B") : undefined;
  const per = (t: { data: Float64Array | number[] } | undefined, dflt: number, what: string) => {
    if (!t) return new Float64Array(n).fill(dflt);
    const d = Float64Array.from(t.data);
    if (d.length === n) return d;
    if (d.length === 1) return new Float64Array(n).fill(d[0]);
    return ctx.unsupported(`${what} with ${d.length} elements for ${n} normalized ones (only full or scalar)`);
  };
  emitLayerNorm(ctx, x.name, x.shape, n, ctx.attrFloat("epsilon", 1e-5), per(scale, 1, "Scale"), per(bias, 0, "B"));
  ctx.dynOutput(0, x.shape);
}

function emitLayerNorm(
  ctx: NormalizeContext,
  input: string,
  shape: number[],
  n: number,
  eps: number,
  gamma: Float64Array,
  beta: Float64Array,
  outName = ctx.node.outputs[0],
  nodes = [ctx.node.name],
): void {
  const size = numel(shape);
  ctx.emit({ kind: "layerNorm", inputs: [input], output: outName, size, rows: size / n, n, eps, gamma, beta, nodes });
}

/** Whether a ReduceMean node reduces exactly the last axis of a rank-`rank` tensor (keeping it). */
function meanOfLastAxis(ctx: NormalizeContext, node: OnnxNode, rank: number): boolean {
  const int = (v: number | { toNumber(): number }) => (typeof v === "number" ? v : v.toNumber());
  const axes = node.attributes.get("axes")?.ints?.map(int) ?? [];
  const fromInput = node.inputs[1] ? ctx.constValue(node.inputs[1]) : undefined;
  const all = fromInput ? Array.from(fromInput.data) : axes;
  const keep = node.attributes.get("keepdims")?.i;
  return all.length === 1 && (all[0] === -1 || all[0] === rank - 1) && (keep == null || int(keep) === 1);
}

/**
 * At a ReduceMean: when it starts the decomposed pattern above, emits the fused op, defines the
 * Div's output and marks the pattern's other nodes as handled; else returns false.
 */
export function fuseDecomposedLayerNorm(ctx: NormalizeContext): boolean {
  const x = ctx.input(0);
  if (!x || x.kind !== "dyn" || x.head) return false;
  const rank = x.shape.length;
  const xName = ctx.node.inputs[0];
  if (!meanOfLastAxis(ctx, ctx.node, rank)) return false;
  const sub = ctx.soleReader(ctx.node.outputs[0], "Sub");
  if (!sub || sub.inputs[0] !== xName || sub.inputs[1] !== ctx.node.outputs[0]) return false;
  const d = sub.outputs[0];
  const dReaders = ctx.readersOf(d);
  if (dReaders.length !== 2 || ctx.isGraphOutput(d)) return false;
  const square = dReaders.find(
    (r) =>
      (r.opType === "Pow" && r.inputs[0] === d && ctx.constScalar(r.inputs[1]) === 2) ||
      (r.opType === "Mul" && r.inputs[0] === d && r.inputs[1] === d),
  );
  const div = dReaders.find((r) => r.opType === "Div" && r.inputs[0] === d);
  if (!square || !div || square === div) return false;
  const mean2 = ctx.soleReader(square.outputs[0], "ReduceMean");
  if (!mean2 || !meanOfLastAxis(ctx, mean2, rank)) return false;
  const add = ctx.soleReader(mean2.outputs[0], "Add");
  const eps = add && ctx.constScalar(add.inputs[1] === mean2.outputs[0] ? add.inputs[0] : add.inputs[1]);
  if (!add || eps === undefined || !(eps > 0)) return false;
  const sqrt = ctx.soleReader(add.outputs[0], "Sqrt");
  if (!sqrt || ctx.soleReader(sqrt.outputs[0], "Div") !== div || div.inputs[1] !== sqrt.outputs[0]) return false;
  const n = x.shape[rank - 1];
  const pattern = [sub, square, mean2, add, sqrt, div];
  ctx.absorb(pattern);
  const out = div.outputs[0];
  const nodes = [ctx.node.name, ...pattern.map((p) => p.name)];
  emitLayerNorm(ctx, x.name, x.shape, n, eps, new Float64Array(n).fill(1), new Float64Array(n), out, nodes);
  ctx.defineName(out, { kind: "dyn", name: out, shape: x.shape });
  return true;
}

export function sqrt(ctx: NormalizeContext): void {
  ctx.unsupported(
    "supported only inside a decomposed LayerNormalization (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div)",
  );
}

// y = mul * x + add elementwise (Mul / Add / Sub / Div by constants, BatchNormalization):
// folded into the producing Conv / dense / affine op when that op feeds only this node, else
// emitted as an affine op. Folding is exact algebra, so it costs nothing and loses nothing.
import type { AffineOp, ConvOp, DenseOp, FloatOp, LayerNormOp, MatMulOp } from "../model/float-graph.js";
import { broadcastIndex } from "./broadcast.js";
import type { DynValue, NormalizeContext } from "./context.js";
import { numel } from "./tensor.js";

/** The value of `full` that is constant along every axis but `keep` (per-channel), or null. */
function perIndex(full: Float64Array, count: number, inner: number, outer: number): Float64Array | null {
  const v = new Float64Array(count);
  for (let c = 0; c < count; c++) v[c] = full[c * inner];
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < count; c++) {
      for (let i = 0; i < inner; i++) if (full[(o * count + c) * inner + i] !== v[c]) return null;
    }
  }
  return v;
}

function foldConv(op: ConvOp, mul: Float64Array | null, add: Float64Array): boolean {
  const inner = op.win.oh * op.win.ow;
  const m = mul ? perIndex(mul, op.m, inner, op.win.n) : null;
  const a = perIndex(add, op.m, inner, op.win.n);
  if ((mul && !m) || !a) return false;
  const per = op.weight.length / op.m;
  for (let c = 0; c < op.m; c++) {
    const s = m ? m[c] : 1;
    for (let i = 0; i < per; i++) op.weight[c * per + i] *= s;
    op.bias[c] = op.bias[c] * s + a[c];
  }
  return true;
}

function foldDense(op: DenseOp, mul: Float64Array | null, add: Float64Array): boolean {
  const m = mul ? perIndex(mul, op.outFeatures, 1, op.rows) : null;
  if (mul && !m) return false;
  for (let j = 0; j < op.outFeatures; j++) {
    const s = m ? m[j] : 1;
    for (let i = 0; i < op.inFeatures; i++) op.weight[j * op.inFeatures + i] *= s;
  }
  for (let k = 0; k < op.bias.length; k++) op.bias[k] = op.bias[k] * (m ? m[k % op.outFeatures] : 1) + add[k];
  return true;
}

function foldAffine(op: AffineOp, mul: Float64Array | null, add: Float64Array): boolean {
  for (let k = 0; k < op.size; k++) {
    const s = mul ? mul[k] : 1;
    op.mul[k] *= s;
    op.add[k] = op.add[k] * s + add[k];
  }
  return true;
}

/** A scalar multiply (no add) after a MatMul of two activations: attention's 1 / sqrt(d). */
function foldMatMul(op: MatMulOp, mul: Float64Array | null, add: Float64Array): boolean {
  if (!mul || add.some((v) => v !== 0) || mul.some((v) => v !== mul[0])) return false;
  op.scale *= mul[0];
  return true;
}

/** gamma / beta of a LayerNormalization: per element of the normalized (last) axis. */
function foldLayerNorm(op: LayerNormOp, mul: Float64Array | null, add: Float64Array): boolean {
  const m = mul ? perIndex(mul, op.n, 1, op.rows) : null;
  const a = perIndex(add, op.n, 1, op.rows);
  if ((mul && !m) || !a) return false;
  for (let i = 0; i < op.n; i++) {
    const s = m ? m[i] : 1;
    op.gamma[i] *= s;
    op.beta[i] = op.beta[i] * s + a[i];
  }
  return true;
}

function tryFold(op: FloatOp, mul: Float64Array | null, add: Float64Array): boolean {
  if (op.kind === "layerNorm") return foldLayerNorm(op, mul, add);
  if (op.kind === "matmul") return foldMatMul(op, mul, add);
  if (op.kind === "conv") return foldConv(op, mul, add);
  if (op.kind === "dense") return foldDense(op, mul, add);
  if (op.kind === "affine") return foldAffine(op, mul, add);
  return false;
}

/**
 * Emits y = mul * x + add for the dynamic input `inputIndex` with `mul` / `add` given per
 * element of `outShape` (null mul = 1, null add = 0). `outShape` may be larger than x's shape
 * (x is then broadcast).
 */
export function applyAffine(
  ctx: NormalizeContext,
  inputIndex: number,
  x: DynValue,
  outShape: number[],
  mul: Float64Array | null,
  add: Float64Array | null,
): void {
  const size = numel(outShape);
  const a = add ?? new Float64Array(size);
  const same = outShape.length === x.shape.length && outShape.every((d, i) => d === x.shape[i]);
  if (same) {
    // Each fold checks that it applies before it changes anything.
    const producer = ctx.foldableProducer(inputIndex);
    if (producer && tryFold(producer, mul, a)) return ctx.foldInto(producer, outShape);
  }
  const out = ctx.dynOutput(0, outShape);
  ctx.emit({
    kind: "affine",
    inputs: [x.name],
    output: out.name,
    size,
    mul: mul ?? new Float64Array(size).fill(1),
    add: a,
    src: broadcastIndex(outShape, x.shape),
    nodes: [ctx.node.name],
  });
}

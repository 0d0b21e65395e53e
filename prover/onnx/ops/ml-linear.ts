// The linear models of ai.onnx.ml (what scikit-learn pipelines export): Scaler, LinearRegressor,
// LinearClassifier, and ZipMap after a classifier. They reduce to the float ops CNNs use: an
// elementwise affine (Scaler) and a dense layer (the regressor's values; the classifier's scores
// with an ArgMax head, so the proven output is the label).
import type { DynValue, NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

/** The 2-D feature input [N, C] (a 1-D input is one row). */
export function features(ctx: NormalizeContext): { name: string; rows: number; c: number } {
  const x = ctx.dynInput(0);
  if (x.shape.length > 2) ctx.unsupported(`input must be [N, C], got [${x.shape.join(", ")}]`);
  const [rows, c] = x.shape.length === 2 ? x.shape : [1, x.shape[0]];
  return { name: x.name, rows, c };
}

function floats(ctx: NormalizeContext, name: string, n?: number): number[] {
  const v = ctx.attrFloats(name);
  if (!v || v.length === 0) ctx.unsupported(`missing attribute ${name}`);
  if (n !== undefined && v.length !== n) ctx.unsupported(`${name} has ${v.length} values, expected ${n}`);
  return v;
}

/** Scaler: y = (x - offset) * scale per feature (one value: every feature). */
export function scaler(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const c = x.shape[x.shape.length - 1];
  const per = (name: string) => {
    const v = ctx.attrFloats(name) ?? [];
    if (v.length !== 1 && v.length !== c) ctx.unsupported(`${name} has ${v.length} values for ${c} features`);
    return (i: number) => v[v.length === 1 ? 0 : i % c];
  };
  const [offset, scale] = [per("offset"), per("scale")];
  const size = numel(x.shape);
  const mul = Float64Array.from({ length: size }, (_, i) => scale(i));
  const add = Float64Array.from({ length: size }, (_, i) => -offset(i) * scale(i));
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({ kind: "affine", inputs: [x.name], output: out.name, size, mul, add, src: null, nodes: [ctx.node.name] });
}

/** A dense op y[r] = W x[r] + b over the feature rows, writing the tensor `name`. */
function emitDense(ctx: NormalizeContext, name: string, weight: number[], bias: number[]): DynValue {
  const x = features(ctx);
  const m = bias.length;
  const out: DynValue = { kind: "dyn", name, shape: [x.rows, m] };
  ctx.emit({
    kind: "dense",
    inputs: [x.name],
    output: out.name,
    size: x.rows * m,
    rows: x.rows,
    inFeatures: x.c,
    outFeatures: m,
    rowStride: x.c,
    colStride: 1,
    weight: Float64Array.from(weight),
    bias: Float64Array.from({ length: x.rows * m }, (_, k) => bias[k % m]),
    nodes: [ctx.node.name],
  });
  return out;
}

/** LinearRegressor: y = X W^T + b for `targets` outputs (post_transform NONE). */
export function linearRegressor(ctx: NormalizeContext): void {
  const { c } = features(ctx);
  const targets = ctx.attrInt("targets", 1);
  const post = ctx.attrString("post_transform", "NONE");
  if (post !== "NONE") ctx.unsupported(`post_transform ${post}`);
  const weight = floats(ctx, "coefficients", targets * c);
  const bias = ctx.attrFloats("intercepts") ?? [];
  if (bias.length !== 0 && bias.length !== targets)
    ctx.unsupported(`intercepts has ${bias.length} values for ${targets} targets`);
  const out = emitDense(ctx, ctx.node.outputs[0], weight, bias.length ? bias : new Array<number>(targets).fill(0));
  ctx.define(0, out);
}

/**
 * LinearClassifier with class labels 0..E-1: scores = X W^T + b, label = the first class of
 * largest score (every post_transform is monotone in the scores, so it does not change the label).
 * Output 0 (the label) is the scores with an ArgMax head; output 1 is the scores. One row of
 * coefficients with two classes (binary) scores the classes as [-s, s]: label 1 where s > 0.
 */
export function linearClassifier(ctx: NormalizeContext): void {
  const { c } = features(ctx);
  if (ctx.attrInt("multi_class", 0) !== 0) ctx.unsupported("multi_class 1");
  const { count, names } = classLabels(ctx, "classlabels_ints");
  const intercepts = ctx.attrFloats("intercepts") ?? [];
  const coef = floats(ctx, "coefficients");
  const rows = coef.length / c;
  if (!Number.isInteger(rows) || (rows !== count && !(rows === 1 && count === 2)))
    ctx.unsupported(`${coef.length} coefficients for ${c} features and ${count} classes`);
  const b = intercepts.length ? intercepts : new Array<number>(rows).fill(0);
  if (b.length !== rows) ctx.unsupported(`intercepts has ${b.length} values for ${rows} score(s)`);
  const binary = rows === 1;
  const weight = binary ? [...coef.map((w) => -w), ...coef] : coef;
  const bias = binary ? [-b[0], b[0]] : b;
  defineClassifierOutputs(ctx, emitDense(ctx, scoresName(ctx), weight, bias), names);
}

/** A classifier's scores tensor: its output 1 when the model names it, else a tensor of its own. */
export function scoresName(ctx: NormalizeContext): string {
  return ctx.node.outputs[1] || `${ctx.node.outputs[0]}/scores`;
}

/**
 * A classifier's class labels: classlabels_strings, or the integer ones (`ints` names the
 * attribute); undefined when they are the indices 0..n-1 themselves.
 */
export function classLabels(ctx: NormalizeContext, ints: string): { count: number; names?: (string | number)[] } {
  const strings = ctx.attrStrings("classlabels_strings");
  const numbers = ctx.attrInts(ints);
  const labels: (string | number)[] | undefined = strings?.length ? strings : numbers;
  if (!labels || labels.length === 0) ctx.unsupported(`missing attribute ${ints} or classlabels_strings`);
  const plain = labels.every((l, i) => l === i);
  return { count: labels.length, ...(plain ? {} : { names: labels }) };
}

/** A classifier's outputs: the label (output 0) as an ArgMax head on the [N, classes] scores (output 1). */
export function defineClassifierOutputs(ctx: NormalizeContext, scores: DynValue, names?: (string | number)[]): void {
  ctx.define(1, scores);
  ctx.define(0, {
    kind: "dyn",
    name: scores.name,
    shape: [scores.shape[0]],
    head: "argmax",
    headSpec: { axis: 1, keepdims: false, selectLastIndex: false, ...(names ? { classLabels: names } : {}) },
    valueShape: scores.shape,
  });
}

/** ZipMap (scores -> a map per row): only as a graph output, which assay does not prove. */
export function zipMap(ctx: NormalizeContext): void {
  ctx.dynInput(0);
}

/**
 * Normalizer: each row divided by its L2 norm (sqrt of the sum of squares) or L1 norm (sum of
 * absolute values); a zero row stays zero. Quantized as an uncentred layerNorm op
 * (prover/kinds/layer-norm.ts). MAX divides by the row's largest value, which may be zero or
 * negative (onnxruntime divides by it as it is): not supported.
 */
export function normalizer(ctx: NormalizeContext): void {
  const x = features(ctx);
  const norm = ctx.attrString("norm", "MAX");
  if (norm !== "L1" && norm !== "L2")
    ctx.unsupported(`norm ${norm} (L1 and L2 are supported: MAX divides by a maximum that may be 0 or negative)`);
  const size = x.rows * x.c;
  ctx.emit({
    kind: "layerNorm",
    inputs: [x.name],
    output: ctx.node.outputs[0],
    size,
    rows: x.rows,
    n: x.c,
    eps: 0,
    norm: norm === "L1" ? "l1" : "l2",
    gamma: new Float64Array(x.c).fill(1),
    beta: new Float64Array(x.c),
    nodes: [ctx.node.name],
  });
  ctx.dynOutput(0, ctx.dynInput(0).shape);
}

// The normalized float model: what every supported ONNX graph is reduced to before quantization.
//
// A DAG of ops over named tensors, in topological order. Tensors are flat row-major float64
// arrays; each op records the view (shape) it reads its inputs in, so reshapes cost nothing.
// Weights are float64. Batch dimensions are ordinary leading dimensions.

interface OpBase {
  /** Names of the tensors read (earlier op outputs or the graph input). */
  inputs: string[];
  output: string;
  /** Number of elements of the output. */
  size: number;
  /** ONNX node names this op came from (for error messages and audits). */
  nodes: string[];
}

/**
 * y[r][j] = sum_i weight[j][i] * x[r * rowStride + i * colStride] + bias[r][j]
 * (Gemm / MatMul with a constant right operand; rowStride/colStride express transA).
 */
export interface DenseOp extends OpBase {
  kind: "dense";
  rows: number;
  inFeatures: number;
  outFeatures: number;
  rowStride: number;
  colStride: number;
  /** Row-major [outFeatures][inFeatures]. */
  weight: Float64Array;
  /** Row-major [rows][outFeatures]. */
  bias: Float64Array;
}

/** A 2-D sliding window over an [n, c, h, w] input giving [n, c', oh, ow]. */
export interface Window2D {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  /** Strides. */
  sh: number;
  sw: number;
  /** Padding before the first row / column (the padding after is implied by oh / ow). */
  pt: number;
  pl: number;
  /** Dilations. */
  dh: number;
  dw: number;
}

/** ONNX Conv (1-D as h = 1, and 2-D): [n, c, h, w] -> [n, m, oh, ow]. */
export interface ConvOp extends OpBase {
  kind: "conv";
  win: Window2D;
  /** Output channels. */
  m: number;
  group: number;
  /** Row-major [m][c / group][kh][kw]. */
  weight: Float64Array;
  /** [m]. */
  bias: Float64Array;
}

/** MaxPool: the maximum over each window (padding never wins). */
export interface MaxPoolOp extends OpBase {
  kind: "maxpool";
  win: Window2D;
}

/** AveragePool / GlobalAveragePool: window sum divided by divisor[oh][ow]. */
export interface AvgPoolOp extends OpBase {
  kind: "avgpool";
  win: Window2D;
  /** [oh * ow]: the element count each output position divides by. */
  divisor: Float64Array;
}

/** y[i] = mul[i] * x[src[i]] + add[i] (Mul / Add / Sub / Div by constants, BatchNormalization). */
export interface AffineOp extends OpBase {
  kind: "affine";
  mul: Float64Array;
  add: Float64Array;
  /** Broadcast map output index -> input index; null when the shapes agree. */
  src: Int32Array | null;
}

/** y[i] = coef[0] * a[srcA[i]] + coef[1] * b[srcB[i]] (Add / Sub of two activations). */
export interface AddOp extends OpBase {
  kind: "add";
  coef: number[];
  /** Broadcast maps per input; null when that input has the output's shape. */
  src: (Int32Array | null)[];
}

/** y[i] = a[src[0][i]] * b[src[1][i]] (Mul of two activations; recurrent cells' gates). */
export interface ProductOp extends OpBase {
  kind: "product";
  /** Broadcast maps per input; null when that input has the output's shape. */
  src: (Int32Array | null)[];
}

/**
 * Pure data movement: y[i] = inputs[from[i]][index[i]], or the constant fill[i] where
 * from[i] < 0 (Concat, Pad, Transpose).
 */
export interface GatherOp extends OpBase {
  kind: "gather";
  from: Int32Array;
  index: Int32Array;
  fill: Float64Array;
}

/**
 * A tree ensemble (ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier) on [rows, features]:
 *   y[r][t] = base[t] + sum over trees of weight[leaf][t], leaf = the one row r reaches.
 * Nodes of every tree in one list, each parent before its children; roots[k] is tree k's root.
 * Every test is written one way: at node n the walk goes to hi[n] when x[feature[n]] >= threshold[n]
 * (> when strict[n]), else to lo[n]; feature[n] = -1 marks a leaf.
 */
export interface TreesOp extends OpBase {
  kind: "trees";
  rows: number;
  features: number;
  targets: number;
  feature: Int32Array;
  threshold: Float64Array;
  strict: Uint8Array;
  hi: Int32Array;
  lo: Int32Array;
  roots: Int32Array;
  /** Row-major [node][targets] (0 at inner nodes). */
  weight: Float64Array;
  /** [targets]. */
  base: Float64Array;
}

/**
 * MatMul of two activations (attention's Q K^T and A V), batch b of m x k by k x n:
 *   y[b][i][j] = scale * sum_t a[aOffset[b] + i * k + t] * bm[bOffset[b] + t * n + j]
 * (both operands row-major at their offsets; broadcast batches repeat an offset; a constant
 * scalar multiply that follows is folded into `scale`).
 */
export interface MatMulOp extends OpBase {
  kind: "matmul";
  batch: number;
  m: number;
  k: number;
  n: number;
  aOffset: Int32Array;
  bOffset: Int32Array;
  scale: number;
}

/** Softmax over each of `rows` consecutive groups of n elements (the last axis). */
export interface SoftmaxOp extends OpBase {
  kind: "softmax";
  rows: number;
  n: number;
}

/**
 * LayerNormalization over each of `rows` consecutive groups of n elements (the last axis):
 *   y = (x - mean) / sqrt(var + eps) * gamma + beta   (var: the population variance).
 */
export interface LayerNormOp extends OpBase {
  kind: "layerNorm";
  rows: number;
  n: number;
  eps: number;
  /**
   * Not centred (ai.onnx.ml Normalizer, eps 0: a zero row stays zero): "l2" x / sqrt(sum x^2 + eps),
   * "l1" x / (sum |x| + eps); absent: LayerNormalization.
   */
  norm?: "l1" | "l2";
  /** [n]. */
  gamma: Float64Array;
  beta: Float64Array;
}

/**
 * An embedding lookup (Gather on a constant table by activation indices, axis 0): for each of the
 * `count` indices t, y[t][d] = table[x[t]][d]; every index must be an integer in [0, vocab).
 */
export interface EmbedOp extends OpBase {
  kind: "embed";
  count: number;
  vocab: number;
  dim: number;
  /** Row-major [vocab][dim]. */
  table: Float64Array;
}

export interface ReluOp extends OpBase {
  kind: "relu";
}

/** y = min(max(x, min), max); a missing bound is null. */
export interface ClipOp extends OpBase {
  kind: "clip";
  min: number | null;
  max: number | null;
}

/** y = x >= 0 ? x : slope[i] * x (LeakyRelu: one slope; PRelu: one per element). */
export interface LeakyReluOp extends OpBase {
  kind: "leakyRelu";
  slope: Float64Array;
}

export interface SigmoidOp extends OpBase {
  kind: "sigmoid";
}

export interface TanhOp extends OpBase {
  kind: "tanh";
}

export interface ErfOp extends OpBase {
  kind: "erf";
}

/** The standard normal CDF (1 + erf(x / sqrt 2)) / 2: GELU is x * phi(x). */
export interface PhiOp extends OpBase {
  kind: "phi";
}

export type FloatOp =
  | DenseOp
  | ConvOp
  | MaxPoolOp
  | AvgPoolOp
  | AffineOp
  | AddOp
  | ProductOp
  | GatherOp
  | TreesOp
  | MatMulOp
  | SoftmaxOp
  | LayerNormOp
  | EmbedOp
  | ReluOp
  | ClipOp
  | LeakyReluOp
  | SigmoidOp
  | TanhOp
  | ErfOp
  | PhiOp;

export type FloatOpKind = FloatOp["kind"];

/** Elementwise activations: nondecreasing, so they commute with max pooling and floor rescaling. */
export const ACTIVATION_KINDS = ["relu", "clip", "leakyRelu", "sigmoid", "tanh", "erf", "phi"] as const;
export type ActivationOp = ReluOp | ClipOp | LeakyReluOp | SigmoidOp | TanhOp | ErfOp | PhiOp;
/** The activations proven as piecewise-linear approximations (prover/quantize/pwl.ts). */
export const PWL_KINDS = ["sigmoid", "tanh", "erf", "phi"] as const;
export type PwlKind = (typeof PWL_KINDS)[number];

export function isActivation(op: FloatOp): op is ActivationOp {
  return (ACTIVATION_KINDS as readonly string[]).includes(op.kind);
}

/** LeakyRelu / PRelu with a negative slope is not monotone; every other activation is. */
export function isMonotoneActivation(op: FloatOp): boolean {
  if (op.kind === "leakyRelu") return op.slope.every((s) => s >= 0);
  return isActivation(op);
}

/** What follows the last op: raw values, or a Softmax / ArgMax applied at the output. */
export type OutputHead = "none" | "softmax" | "argmax";

export interface HeadSpec {
  /** Axis of the pre-head tensor (non-negative) that Softmax / ArgMax reduces over. */
  axis: number;
  /** ArgMax: keep the reduced axis as a size-1 dimension. */
  keepdims: boolean;
  /** ArgMax: the last maximal index instead of the first. */
  selectLastIndex: boolean;
  /**
   * The class each index stands for, when a classifier names them (ai.onnx.ml classlabels_strings,
   * or integer labels other than 0..n-1). The proven output is the index; the name is read off here.
   */
  classLabels?: (string | number)[];
}

export interface FloatGraph {
  /** integer: the graph input has an integer type (token ids), read as exact integers. */
  input: { name: string; onnxName: string; shape: number[]; integer?: boolean };
  ops: FloatOp[];
  /** The tensor holding the output values (before the head) and its shape there. */
  output: { name: string; onnxName: string; shape: number[]; valueShape: number[] };
  head: OutputHead;
  headSpec: HeadSpec;
  opset: number;
  /** What the reader decided that a user should know (graph outputs left unproven, ...). */
  notes?: string[];
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

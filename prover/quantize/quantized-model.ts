// The quantized model: the integer spec that the evaluator runs and the circuit proves.
// JSON-serializable and versioned.
//
// A DAG of layers in topological order. Layer k reads earlier layers (index -1 is the model
// input) and writes tensor h<k>. Each layer is a linear (or max / data-movement) core followed
// by an optional per-element activation that rescales (floor division by a power of two, with
// rounding) and applies ReLU / Clip / LeakyRelu / a piecewise-linear Sigmoid or Tanh. A layer
// without an activation hands on its raw integers (e.g. conv accumulators that a max pool
// reads before they are rescaled).
import type { HeadSpec, OutputHead, Window2D } from "../model/float-graph.js";

export const QUANTIZED_MODEL_FORMAT = "assay.quantized-model";
export const QUANTIZED_MODEL_VERSION = 2;

/** Fixed-point encoding of a tensor: real = int / 2^frac; ints lie in [min, max]. */
export interface FixedPointTensor {
  shape: number[];
  /** Fractional bits: the scale is 2^frac (may be negative for huge ranges). */
  frac: number;
  /** Inclusive integer range every element is guaranteed (input: clamped) to lie in. */
  min: number;
  max: number;
}

/**
 * Piecewise-linear approximation of Sigmoid / Tanh / Erf / the normal CDF on integers (prover/quantize/pwl.ts builds
 * it, circuits/pwl.circom proves it). With v = in * 2^pre (|v| < 2^(n-1)):
 *   v < -2^m: yLo;  v >= 2^m: yHi;  else with u = v + 2^m, segment s = u >> (m + 1 - k),
 *   offset o = (u mod 2^(m+1-k)) >> d:  y = a[s] + b[s] * o.
 */
export interface PwlParams {
  fn: "sigmoid" | "tanh" | "erf" | "phi";
  pre: number;
  n: number;
  m: number;
  k: number;
  d: number;
  a: number[];
  b: number[];
  yLo: number;
  yHi: number;
}

/**
 * The per-element nonlinear step. For every kind but "pwl":
 *   q = floor((x + r) / 2^shift) with r = 2^(shift-1) when shift > 0 (round half up), else 0;
 *   q must be a signed `bits`-bit integer (static bounds guarantee it);
 *   rescale: q;  relu: max(0, q);  clip: min(max(q, lo), hi) (null: no bound);
 *   leakyRelu: q >= 0 ? q * 2^slopeShift : slope[i] * q (slope one value or one per element).
 */
export type Activation =
  | { kind: "rescale"; shift: number; bits: number }
  | { kind: "relu"; shift: number; bits: number }
  | { kind: "clip"; shift: number; bits: number; lo: number | null; hi: number | null }
  | { kind: "leakyRelu"; shift: number; bits: number; slope: number[]; slopeShift: number }
  | { kind: "pwl"; pwl: PwlParams };

interface LayerBase {
  /** Layer indices read (-1: the model input). */
  inputs: number[];
  /** Output tensor (after the activation). */
  out: FixedPointTensor;
  /** Per-element static bounds of the output, over every input in the input range. */
  outMin: number[];
  outMax: number[];
  /** Smallest signed width holding every output value (and 0). */
  bits: number;
  act?: Activation;
  /**
   * Guaranteed bound on |float value - dequantized value| of this layer's output (real units),
   * for any input the quantizer does not clamp (every input inside the calibrated range); see
   * docs/quantization.md for the bound of each layer kind.
   */
  errorBound: number;
  /** ONNX nodes this layer implements. */
  nodes: string[];
}

/** y[r][j] = sum_i weight[j][i] * x[r * rowStride + i * colStride] + bias[r][j]. */
export interface DenseLayer extends LayerBase {
  kind: "dense";
  rows: number;
  inFeatures: number;
  outFeatures: number;
  rowStride: number;
  colStride: number;
  /** Row-major [out][in] integer weights at scale 2^wFrac. */
  weight: number[];
  /** [rows][out] integer biases at the accumulator's scale. */
  bias: number[];
  wFrac: number;
}

/** Conv: [n, c, h, w] -> [n, m, oh, ow]; weight [m][c/group][kh][kw] at scale 2^wFrac. */
export interface ConvLayer extends LayerBase {
  kind: "conv";
  win: Window2D;
  m: number;
  group: number;
  weight: number[];
  bias: number[];
  wFrac: number;
}

/**
 * Max over each window. In channel c the Max2 tournament compares values whose differences lie
 * in [-2^channelBits[c], 2^channelBits[c]); diffBits is the largest of them.
 */
export interface MaxPoolLayer extends LayerBase {
  kind: "maxpool";
  win: Window2D;
  diffBits: number;
  channelBits: number[];
}

/** Window sum times mult[oh * ow] (round(2^multFrac / divisor)). */
export interface AvgPoolLayer extends LayerBase {
  kind: "avgpool";
  win: Window2D;
  mult: number[];
  multFrac: number;
}

/** y[i] = mul[i] * x[src[i]] + add[i]; mul at scale 2^mulFrac. */
export interface AffineLayer extends LayerBase {
  kind: "affine";
  mul: number[];
  add: number[];
  src: number[] | null;
  mulFrac: number;
}

/** y[i] = sum_t coef[t] * x_t[src_t[i]] (coef = +-2^alignment: both inputs at one scale). */
export interface AddLayer extends LayerBase {
  kind: "add";
  coef: number[];
  src: (number[] | null)[];
}

/** y[i] = a[src[0][i]] * b[src[1][i]], exact at scale 2^(frac_a + frac_b). */
export interface ProductLayer extends LayerBase {
  kind: "product";
  src: (number[] | null)[];
}

/** y[i] = x_{from[i]}[index[i]] * 2^shift[from[i]], or fill[i] where from[i] < 0. */
export interface GatherLayer extends LayerBase {
  kind: "gather";
  from: number[];
  index: number[];
  fill: number[];
  shift: number[];
}

/**
 * A tree ensemble on integer features: y[r][t] = base[t] + sum over trees of weight[leaf][t].
 * At inner node n the walk goes to hi[n] when x[r * features + feature[n]] >= threshold[n], else
 * to lo[n]; feature[n] = -1 marks a leaf, -2 a test that holds for every input in range (always
 * hi) and -3 one that never does (always lo). Weights and base are integers at scale 2^wFrac.
 * inLo / inHi: the static range of each feature (over the rows), which the circuit's interval
 * search is sized by.
 */
export interface TreesLayer extends LayerBase {
  kind: "trees";
  rows: number;
  features: number;
  targets: number;
  feature: number[];
  threshold: number[];
  hi: number[];
  lo: number[];
  roots: number[];
  weight: number[];
  base: number[];
  wFrac: number;
  inLo: number[];
  inHi: number[];
}

/**
 * MatMul of two activations: y[b][i][j] = mult * sum_t a[aOffset[b] + i k + t] * bm[bOffset[b] + t n + j],
 * exact at scale 2^(frac_a + frac_b + multFrac) (mult = round(scale 2^multFrac); 1 and 0 when
 * the scale is 1). One product constraint per term.
 */
export interface MatMulLayer extends LayerBase {
  kind: "matmul";
  batch: number;
  m: number;
  k: number;
  n: number;
  aOffset: number[];
  bOffset: number[];
  mult: number;
  multFrac: number;
}

/**
 * Softmax over rows of n integers x at scale 2^frac, as circuits/attention.circom proves it
 * (RowMax, ExpDigits, Reciprocal), per row:
 *   mx = max x;  d_i = mx - x_i (maxBits digits);
 *   e_i = 0 when d_i >= 16 2^frac, else ei[k] (ea[s] - eb[s] o) with k = floor(d_i / 2^frac)
 *         (0..15), s the 3 fraction digits below it, o the next expW digits (the rest dropped):
 *         e^(-d_i / 2^frac) at scale 2^(eiFrac + eFrac);
 *   S = sum e_i;  q = floor(2^recipBits / S);  y_i = e_i q   (scale 2^recipBits).
 * sumBits: S < 2^sumBits.
 */
export interface SoftmaxLayer extends LayerBase {
  kind: "softmax";
  rows: number;
  n: number;
  frac: number;
  maxBits: number;
  expW: number;
  ei: number[];
  eiFrac: number;
  ea: number[];
  eb: number[];
  eFrac: number;
  sumBits: number;
  recipBits: number;
}

/**
 * LayerNormalization over rows of n integers x, per row:
 *   c_i = n x_i - sum x;  W = sum c_i^2 + epsInt;  r = floor(2^rsqrtBits / sqrt(W));
 *   y_i = c_i * r * gamma[i] + beta[i]
 * (gamma = round(gamma_f sqrt(n) 2^gFrac), beta at the output scale 2^(rsqrtBits + gFrac)).
 * wBits: W < 2^wBits.
 */
export interface LayerNormLayer extends LayerBase {
  kind: "layerNorm";
  rows: number;
  n: number;
  /**
   * "l2": c_i = x_i, r = floor(2^R / sqrt(W)), W = sum c_i^2 + epsInt; "l1": c_i = x_i,
   * r = floor(2^R / W), W = sum |c_i| + epsInt (absBits: the width of |x|'s sign test); absent:
   * c_i = n x_i - sum_j x_j, r as for "l2".
   */
  norm?: "l1" | "l2";
  absBits?: number;
  epsInt: number;
  wBits: number;
  rsqrtBits: number;
  gamma: number[];
  beta: number[];
  gFrac: number;
}

/**
 * Embedding lookup: y[t][d] = table[v][d] where x[t] = v * unit, v in [0, vocab) (else no witness
 * exists); table integers at scale 2^wFrac. In the circuit a one-hot selector per index.
 */
export interface EmbedLayer extends LayerBase {
  kind: "embed";
  count: number;
  vocab: number;
  dim: number;
  unit: number;
  table: number[];
  wFrac: number;
}

/** y = x (the activation does all the work: a ReLU after an Add, a Sigmoid on the input, ...). */
export interface ActivationLayer extends LayerBase {
  kind: "activation";
}

export type QuantizedLayer =
  | DenseLayer
  | ConvLayer
  | MaxPoolLayer
  | AvgPoolLayer
  | AffineLayer
  | AddLayer
  | ProductLayer
  | GatherLayer
  | TreesLayer
  | MatMulLayer
  | SoftmaxLayer
  | LayerNormLayer
  | EmbedLayer
  | ActivationLayer;

export type LayerKind = QuantizedLayer["kind"];

export interface QuantizationConfig {
  /** Bits of the quantized input (unsigned when calibration data is non-negative). */
  inputBits: number;
  /** Signed bits of weights. */
  weightBits: number;
  /** Signed bits the calibrated activation range is scaled to (headroom comes from static bounds). */
  activationBits: number;
  /**
   * log2 of the segments of the Sigmoid / Tanh approximations (absent: 6). Each costs 2^k
   * decoder constraints per element: recurrent cells, with five per hidden unit and step, are
   * searched at 5 first.
   */
  pwlSegmentsLog2?: number;
  /**
   * Widths of single layers that differ from the ones above, keyed by the ONNX nodes the layer
   * came from, "+"-joined (prover/engine/fixed-point.ts layerKey; prover/engine/bit-search.ts
   * narrows the layers that can afford it).
   */
  layers?: Record<string, LayerWidths>;
}

/** A layer's own weight and activation widths. */
export interface LayerWidths {
  weightBits?: number;
  activationBits?: number;
}

/** The widths the layer keyed `key` is quantized with. */
export function widthsFor(config: QuantizationConfig, key: string): QuantizationConfig {
  const own = config.layers && Object.hasOwn(config.layers, key) ? config.layers[key] : undefined;
  return own ? { ...config, ...own } : config;
}

export const DEFAULT_QUANTIZATION: QuantizationConfig = { inputBits: 8, weightBits: 8, activationBits: 10 };

export interface QuantizedModel {
  format: typeof QUANTIZED_MODEL_FORMAT;
  version: typeof QUANTIZED_MODEL_VERSION;
  config: QuantizationConfig;
  /** integer: the model reads exact integers (token ids), at scale 1. */
  input: FixedPointTensor & { signed: boolean; integer?: boolean };
  layers: QuantizedLayer[];
  /**
   * The output values (layer `layer`, -1 when the model input itself is the output), and what
   * the model applies after them. `shape` is the graph output's shape (after an ArgMax head);
   * `valueShape` the shape of the values the head reads.
   */
  output: FixedPointTensor & {
    head: OutputHead;
    headSpec: HeadSpec;
    valueShape: number[];
    layer: number;
    bits: number;
    errorBound: number;
  };
  /** Names in the source ONNX model. */
  source: { inputName: string; outputName: string; opset: number };
}

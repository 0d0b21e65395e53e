// The operator table: ONNX op type -> handler (operators of another domain than ai.onnx are
// keyed "domain.OpType"). Adding an operator touches this one place.
import type { NormalizeContext } from "../context.js";
import { add } from "./add.js";
import { argmax } from "./argmax.js";
import { averagePool } from "./average-pool.js";
import { batchNormalization } from "./batch-normalization.js";
import { clip } from "./clip.js";
import { concat } from "./concat.js";
import { constant } from "./constant.js";
import { conv } from "./conv.js";
import { div } from "./div.js";
import { dropout } from "./dropout.js";
import { flatten } from "./flatten.js";
import { gemm } from "./gemm.js";
import { globalAveragePool, globalMaxPool } from "./global-pool.js";
import { identity } from "./identity.js";
import { layerNormalization, sqrt } from "./layer-norm.js";
import { leakyRelu, prelu } from "./leaky-relu.js";
import { matmul } from "./matmul.js";
import { linearClassifier, linearRegressor, normalizer, scaler, zipMap } from "./ml-linear.js";
import { treeEnsemble, treeEnsembleClassifier, treeEnsembleRegressor } from "./ml-trees.js";
import { maxPool } from "./max-pool.js";
import { mul } from "./mul.js";
import { pad } from "./pad.js";
import { gru, lstm, rnn } from "./recurrent.js";
import { reduceMean, reduceSum } from "./reduce.js";
import { pow } from "./pow.js";
import { relu } from "./relu.js";
import { expand, gather, shape } from "./shape-ops.js";
import { reshape } from "./reshape.js";
import { erf, sigmoid, tanh } from "./sigmoid.js";
import { softmax } from "./softmax.js";
import { squeeze, unsqueeze } from "./squeeze.js";
import { sub } from "./sub.js";
import { transpose } from "./transpose.js";

export type OpHandler = (ctx: NormalizeContext) => void;

export const OPERATORS: Readonly<Record<string, OpHandler>> = {
  Add: add,
  ArgMax: argmax,
  AveragePool: averagePool,
  BatchNormalization: batchNormalization,
  Clip: clip,
  Concat: concat,
  Constant: constant,
  Conv: conv,
  Div: div,
  Dropout: dropout,
  Erf: erf,
  Expand: expand,
  Flatten: flatten,
  Gather: gather,
  Gemm: gemm,
  GRU: gru,
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  Identity: identity,
  LayerNormalization: layerNormalization,
  LeakyRelu: leakyRelu,
  LSTM: lstm,
  MatMul: matmul,
  MaxPool: maxPool,
  Mul: mul,
  Pad: pad,
  Pow: pow,
  PRelu: prelu,
  ReduceMean: reduceMean,
  ReduceSum: reduceSum,
  Relu: relu,
  RNN: rnn,
  Reshape: reshape,
  Shape: shape,
  Sigmoid: sigmoid,
  Softmax: softmax,
  Sqrt: sqrt,
  Squeeze: squeeze,
  Sub: sub,
  Tanh: tanh,
  Transpose: transpose,
  Unsqueeze: unsqueeze,
  "ai.onnx.ml.LinearClassifier": linearClassifier,
  "ai.onnx.ml.LinearRegressor": linearRegressor,
  "ai.onnx.ml.Normalizer": normalizer,
  "ai.onnx.ml.Scaler": scaler,
  "ai.onnx.ml.TreeEnsemble": treeEnsemble,
  "ai.onnx.ml.TreeEnsembleClassifier": treeEnsembleClassifier,
  "ai.onnx.ml.TreeEnsembleRegressor": treeEnsembleRegressor,
  "ai.onnx.ml.ZipMap": zipMap,
};

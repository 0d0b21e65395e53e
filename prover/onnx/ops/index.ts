// The operator table: ONNX op type -> handler. Adding an operator touches this one place.
import type { NormalizeContext } from "../context.js";
import { add } from "./add.js";
import { argmax } from "./argmax.js";
import { constant } from "./constant.js";
import { flatten } from "./flatten.js";
import { gemm } from "./gemm.js";
import { identity } from "./identity.js";
import { matmul } from "./matmul.js";
import { relu } from "./relu.js";
import { reshape } from "./reshape.js";
import { softmax } from "./softmax.js";

export type OpHandler = (ctx: NormalizeContext) => void;

export const OPERATORS: Readonly<Record<string, OpHandler>> = {
  Add: add,
  ArgMax: argmax,
  Constant: constant,
  Dropout: identity,
  Flatten: flatten,
  Gemm: gemm,
  Identity: identity,
  MatMul: matmul,
  Relu: relu,
  Reshape: reshape,
  Softmax: softmax,
};

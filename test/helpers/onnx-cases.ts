// Small in-memory ONNX models, one per operator path, shared by the normalizer tests (float
// graph vs onnxruntime) and the circuit tests (quantized evaluator vs witness).
import onnxProto from "onnx-proto";
import ort from "onnxruntime-node";
import { buildModel, type NodeSpec, randomFloats, type TensorSpec } from "./onnx-builder.js";

const { onnx } = onnxProto;

export interface OpCase {
  name: string;
  inDims: number[];
  outDims: number[];
  nodes: NodeSpec[];
  init?: Record<string, TensorSpec>;
  /** String attributes (node index -> name -> value), which the builder does not take. */
  strings?: Record<number, Record<string, string>>;
  opset?: number;
  /** Expected float-graph op kinds (checks folding). */
  kinds?: string[];
  /** The graph output's element type (ArgMax gives int64). */
  outType?: "int64";
}

/** Builds the case's model, adding string attributes and the output type. */
export function caseModel(c: OpCase): Uint8Array {
  const bytes = buildModel({
    input: { name: "x", dims: c.inDims },
    output: { name: "y", dims: c.outDims },
    nodes: c.nodes,
    initializers: c.init,
    opset: c.opset,
  });
  if (!c.strings && !c.outType) return bytes;
  const m = onnx.ModelProto.decode(bytes);
  if (c.outType) m.graph!.output![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.INT64;
  for (const [i, attrs] of Object.entries(c.strings ?? {})) {
    for (const [name, value] of Object.entries(attrs)) {
      m.graph!.node![Number(i)].attribute!.push(
        onnx.AttributeProto.create({
          name,
          type: onnx.AttributeProto.AttributeType.STRING,
          s: new TextEncoder().encode(value),
        }),
      );
    }
  }
  return onnx.ModelProto.encode(m).finish();
}

export async function runOrt(bytes: Uint8Array, dims: number[], x: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor("float32", Float32Array.from(x), dims) });
  await s.release();
  return out[s.outputNames[0]].data as Float32Array;
}

export const numel = (d: number[]) => d.reduce((a, b) => a * b, 1);
const W = (n: number, seed: number) => randomFloats(n, seed);

export const OP_CASES: OpCase[] = [
  {
    name: "Conv 3x3, stride 2, asymmetric pads, bias",
    inDims: [1, 2, 7, 6],
    outDims: [1, 3, 4, 3],
    nodes: [
      {
        op: "Conv",
        inputs: ["x", "W", "B"],
        outputs: ["y"],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1] },
      },
    ],
    init: { W: { dims: [3, 2, 3, 3], data: W(54, 2) }, B: { dims: [3], data: [0.1, -0.3, 0.2] } },
    kinds: ["conv"],
  },
  {
    name: "Conv dilation 2, groups 2",
    inDims: [1, 4, 7, 7],
    outDims: [1, 4, 3, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["y"], attrs: { kernel_shape: [3, 3], dilations: [2, 2], group: 2 } },
    ],
    init: { W: { dims: [4, 2, 3, 3], data: W(72, 3) } },
  },
  {
    name: "Conv depthwise (multiplier 2), auto_pad SAME_UPPER, batch 2",
    inDims: [2, 2, 5, 5],
    outDims: [2, 4, 3, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["y"], attrs: { kernel_shape: [3, 3], strides: [2, 2], group: 2 } },
    ],
    init: { W: { dims: [4, 1, 3, 3], data: W(36, 4) } },
    strings: { 0: { auto_pad: "SAME_UPPER" } },
  },
  {
    name: "Conv 1-D, pads and stride",
    inDims: [1, 2, 9],
    outDims: [1, 3, 5],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["y"], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
    ],
    init: { W: { dims: [3, 2, 3], data: W(18, 5) } },
  },
  {
    name: "Conv + BatchNormalization + Mul + Add (folded into the conv)",
    inDims: [1, 2, 5, 5],
    outDims: [1, 3, 3, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: [3, 3] } },
      {
        op: "BatchNormalization",
        inputs: ["c", "s", "b", "m", "v"],
        outputs: ["n"],
        attrs: { epsilon: { float: 1e-3 } },
      },
      { op: "Mul", inputs: ["n", "k"], outputs: ["p"] },
      { op: "Add", inputs: ["p", "a"], outputs: ["y"] },
    ],
    init: {
      W: { dims: [3, 2, 3, 3], data: W(54, 6) },
      s: { dims: [3], data: [1.5, 0.5, -1] },
      b: { dims: [3], data: [0.1, 0.2, 0.3] },
      m: { dims: [3], data: [0.05, -0.1, 0] },
      v: { dims: [3], data: [0.9, 1.1, 2] },
      k: { dims: [3, 1, 1], data: [2, -1, 0.5] },
      a: { dims: [1, 3, 1, 1], data: [0.5, 0, -0.25] },
    },
    kinds: ["conv"],
  },
  {
    name: "BatchNormalization on the input (affine)",
    inDims: [2, 3, 2, 2],
    outDims: [2, 3, 2, 2],
    nodes: [{ op: "BatchNormalization", inputs: ["x", "s", "b", "m", "v"], outputs: ["y"] }],
    init: {
      s: { dims: [3], data: [1, 2, 3] },
      b: { dims: [3], data: [0, 1, -1] },
      m: { dims: [3], data: [0.1, 0.2, 0.3] },
      v: { dims: [3], data: [1, 4, 0.25] },
    },
    kinds: ["affine"],
  },
  {
    name: "MaxPool 3x3 stride 2, pads, ceil_mode",
    inDims: [1, 2, 6, 6],
    outDims: [1, 2, 4, 4],
    nodes: [
      {
        op: "MaxPool",
        inputs: ["x"],
        outputs: ["y"],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 },
      },
    ],
  },
  {
    name: "MaxPool 2x2 dilation 2",
    inDims: [1, 1, 5, 5],
    outDims: [1, 1, 3, 3],
    nodes: [{ op: "MaxPool", inputs: ["x"], outputs: ["y"], attrs: { kernel_shape: [2, 2], dilations: [2, 2] } }],
  },
  {
    name: "AveragePool 3x3 stride 2, pads, count_include_pad = 0",
    inDims: [1, 2, 5, 5],
    outDims: [1, 2, 3, 3],
    nodes: [
      {
        op: "AveragePool",
        inputs: ["x"],
        outputs: ["y"],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
      },
    ],
  },
  {
    name: "AveragePool count_include_pad = 1, SAME_LOWER",
    inDims: [1, 1, 5, 5],
    outDims: [1, 1, 5, 5],
    nodes: [
      { op: "AveragePool", inputs: ["x"], outputs: ["y"], attrs: { kernel_shape: [2, 2], count_include_pad: 1 } },
    ],
    strings: { 0: { auto_pad: "SAME_LOWER" } },
  },
  {
    name: "GlobalAveragePool and GlobalMaxPool, Sub of the two (a DAG)",
    inDims: [1, 3, 4, 4],
    outDims: [1, 3, 1, 1],
    nodes: [
      { op: "GlobalAveragePool", inputs: ["x"], outputs: ["a"] },
      { op: "GlobalMaxPool", inputs: ["x"], outputs: ["m"] },
      { op: "Sub", inputs: ["m", "a"], outputs: ["y"] },
    ],
    kinds: ["avgpool", "maxpool", "add"],
  },
  {
    name: "Add / Sub / Mul / Div with broadcast constants (affine), constant first",
    inDims: [2, 3, 4],
    outDims: [2, 3, 4],
    nodes: [
      { op: "Mul", inputs: ["x", "k"], outputs: ["a"] },
      { op: "Sub", inputs: ["c", "a"], outputs: ["b"] },
      { op: "Div", inputs: ["b", "d"], outputs: ["y"] },
    ],
    init: {
      k: { dims: [4], data: [1, -2, 0.5, 3] },
      c: { dims: [3, 1], data: [0.1, 0.2, 0.3] },
      d: { dims: [1], data: [4] },
    },
    kinds: ["affine"],
  },
  {
    name: "Add of two activations with broadcasting",
    inDims: [2, 3],
    outDims: [2, 3],
    nodes: [
      { op: "Relu", inputs: ["x"], outputs: ["r"] },
      { op: "Add", inputs: ["x", "r"], outputs: ["y"] },
    ],
    kinds: ["relu", "add"],
  },
  {
    name: "Mul of two activations (a gate): Sigmoid(x) times a broadcast column",
    inDims: [2, 3],
    outDims: [2, 3],
    nodes: [
      { op: "Sigmoid", inputs: ["x"], outputs: ["s"] },
      { op: "MatMul", inputs: ["x", "W"], outputs: ["m"] },
      { op: "Mul", inputs: ["s", "m"], outputs: ["y"] },
    ],
    init: { W: { dims: [3, 1], data: [0.7, -1.2, 0.4] } },
    kinds: ["sigmoid", "dense", "product"],
  },
  {
    name: "Gather of the last row (constant index) and Expand of an activation (data movement)",
    inDims: [3, 2],
    outDims: [2, 2],
    nodes: [
      { op: "Gather", inputs: ["x", "i"], outputs: ["g"], attrs: { axis: 0 } },
      { op: "Expand", inputs: ["g", "s"], outputs: ["y"] },
    ],
    init: { i: { dims: [], data: [-1], type: "int64" }, s: { dims: [2], data: [2, 2], type: "int64" } },
    kinds: ["gather", "gather"],
  },
  {
    name: "Concat on axis 1 with a constant block; Transpose",
    inDims: [1, 2, 3],
    outDims: [3, 5, 1],
    nodes: [
      { op: "Sigmoid", inputs: ["x"], outputs: ["s"] },
      { op: "Concat", inputs: ["x", "s", "c"], outputs: ["k"], attrs: { axis: 1 } },
      { op: "Transpose", inputs: ["k"], outputs: ["y"], attrs: { perm: [2, 1, 0] } },
    ],
    init: { c: { dims: [1, 1, 3], data: [7, 8, 9] } },
  },
  {
    name: "Pad constant (value 0.5), reflect, edge",
    inDims: [1, 1, 3, 4],
    outDims: [1, 1, 9, 12],
    nodes: [
      { op: "Pad", inputs: ["x", "p1", "v"], outputs: ["a"] },
      { op: "Pad", inputs: ["a", "p2"], outputs: ["b"] },
      { op: "Pad", inputs: ["b", "p3"], outputs: ["y"] },
    ],
    init: {
      p1: { dims: [8], data: [0, 0, 1, 0, 0, 0, 0, 2], type: "int64" },
      v: { dims: [], data: [0.5] },
      p2: { dims: [8], data: [0, 0, 2, 2, 0, 0, 1, 2], type: "int64" },
      p3: { dims: [8], data: [0, 0, 1, 1, 0, 0, 1, 1], type: "int64" },
    },
    strings: { 1: { mode: "reflect" }, 2: { mode: "edge" } },
  },
  {
    name: "Clip (Relu6 bounds as inputs), LeakyRelu, PRelu, Tanh, Squeeze / Unsqueeze",
    inDims: [1, 3, 2, 2],
    outDims: [3, 2, 2],
    nodes: [
      { op: "Clip", inputs: ["x", "lo", "hi"], outputs: ["c"] },
      { op: "LeakyRelu", inputs: ["x"], outputs: ["l"], attrs: { alpha: { float: 0.2 } } },
      { op: "Add", inputs: ["c", "l"], outputs: ["s"] },
      { op: "PRelu", inputs: ["s", "slope"], outputs: ["p"] },
      { op: "Tanh", inputs: ["p"], outputs: ["t"] },
      { op: "Unsqueeze", inputs: ["t", "ax"], outputs: ["u"] },
      { op: "Squeeze", inputs: ["u", "ax2"], outputs: ["y"] },
    ],
    init: {
      lo: { dims: [], data: [0] },
      hi: { dims: [], data: [0.6] },
      slope: { dims: [3, 1, 1], data: [0.1, -0.5, 2] },
      ax: { dims: [1], data: [0], type: "int64" },
      ax2: { dims: [2], data: [0, 1], type: "int64" },
    },
  },
  {
    name: "Gemm on a batch of 3 rows with a matrix bias; MatMul on [2, 3, 4]",
    inDims: [3, 4],
    outDims: [3, 2],
    nodes: [
      { op: "Gemm", inputs: ["x", "B", "C"], outputs: ["g"], attrs: { transB: 1, beta: { float: 0.5 } } },
      { op: "MatMul", inputs: ["g", "M"], outputs: ["y"] },
    ],
    init: {
      B: { dims: [5, 4], data: W(20, 8) },
      C: { dims: [3, 5], data: W(15, 9) },
      M: { dims: [5, 2], data: W(10, 10) },
    },
    kinds: ["dense", "dense"],
  },
];

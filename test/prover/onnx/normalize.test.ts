import { expect } from "chai";
import ort from "onnxruntime-node";
import { ShapeMismatchError, UnsupportedOperatorError } from "../../../prover/errors.js";
import { UnsupportedOperatorsError } from "../../../prover/onnx/unsupported.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { loadModel, normalize, parseModel } from "../../../prover/onnx/index.js";
import { buildModel, randomFloats } from "../../helpers/onnx-builder.js";
import { loadDigits, modelPath } from "../../helpers/data.js";
import { expectThrow } from "../../helpers/reject.js";

async function runOrt(bytes: Uint8Array, inputName: string, dims: number[], x: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ [inputName]: new ort.Tensor("float32", Float32Array.from(x), dims) });
  return out[s.outputNames[0]].data as Float32Array;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  expect(a.length).to.equal(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol)) throw new Error(`element ${i}: ${a[i]} vs ${b[i]} (tol ${tol})`);
  }
}

describe("onnx: load and normalize", () => {
  it("reduces the committed digits MLP to dense + relu ops that match onnxruntime", async () => {
    const g = normalize(loadModel(modelPath("digits-mlp-64-32-10")));
    expect(g.ops.map((o) => o.kind)).to.deep.equal(["dense", "relu", "dense"]);
    expect(g.input.shape).to.deep.equal([1, 64]);
    expect(g.head).to.equal("none");
    const { readFileSync } = await import("node:fs");
    const bytes = readFileSync(modelPath("digits-mlp-64-32-10"));
    for (const x of loadDigits(8, "test").xs.slice(0, 5)) {
      expectClose(evaluateFloat(g, x), await runOrt(bytes, g.input.onnxName, [1, 64], x), 1e-4);
    }
  });

  it("records a trailing Softmax as the output head", () => {
    const g = normalize(loadModel(modelPath("digits-mlp-64-32-10-softmax")));
    expect(g.head).to.equal("softmax");
    expect(g.ops.map((o) => o.kind)).to.deep.equal(["dense", "relu", "dense"]);
  });

  // One graph per normalizer path, each checked against onnxruntime.
  const W = randomFloats(12, 3); // [3][4] or [4][3]
  const cases: {
    name: string;
    opset?: number;
    nodes: Parameters<typeof buildModel>[0]["nodes"];
    init: Record<string, { dims: number[]; data: number[]; type?: "float" | "int64" }>;
    inDims: number[];
  }[] = [
    {
      name: "Gemm transB=1 alpha beta",
      inDims: [1, 4],
      nodes: [
        {
          op: "Gemm",
          inputs: ["x", "W", "C"],
          outputs: ["y"],
          attrs: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } },
        },
      ],
      init: { W: { dims: [3, 4], data: W }, C: { dims: [3], data: [0.1, -0.2, 0.3] } },
    },
    {
      name: "Gemm transB=0, scalar C",
      inDims: [1, 4],
      nodes: [{ op: "Gemm", inputs: ["x", "W", "C"], outputs: ["y"] }],
      init: { W: { dims: [4, 3], data: W }, C: { dims: [1], data: [0.25] } },
    },
    {
      name: "Gemm transA=1 on a [K,1] activation",
      inDims: [4, 1],
      nodes: [{ op: "Gemm", inputs: ["x", "W"], outputs: ["y"], attrs: { transA: 1 } }],
      init: { W: { dims: [4, 3], data: W } },
    },
    {
      name: "MatMul + Add folded into a bias, Relu",
      inDims: [1, 4],
      nodes: [
        { op: "MatMul", inputs: ["x", "W"], outputs: ["m"] },
        { op: "Add", inputs: ["m", "b"], outputs: ["a"] },
        { op: "Relu", inputs: ["a"], outputs: ["y"] },
      ],
      init: { W: { dims: [4, 3], data: W }, b: { dims: [3], data: [0.5, -0.5, 0.05] } },
    },
    {
      name: "Flatten and Reshape with a Constant shape, Identity",
      inDims: [1, 2, 2],
      nodes: [
        { op: "Flatten", inputs: ["x"], outputs: ["f"], attrs: { axis: 1 } },
        {
          op: "Constant",
          inputs: [],
          outputs: ["s"],
          attrs: { value: { tensor: { dims: [2], data: [1, -1], type: "int64" } } },
        },
        { op: "Reshape", inputs: ["f", "s"], outputs: ["r"] },
        { op: "Identity", inputs: ["r"], outputs: ["i"] },
        { op: "Gemm", inputs: ["i", "W"], outputs: ["y"], attrs: { transB: 1 } },
      ],
      init: { W: { dims: [3, 4], data: W } },
    },
  ];
  for (const c of cases) {
    it(`normalizes ${c.name} (== onnxruntime)`, async () => {
      const bytes = buildModel({
        input: { name: "x", dims: c.inDims },
        output: { name: "y", dims: [1, 3] },
        nodes: c.nodes,
        initializers: c.init,
        opset: c.opset,
      });
      const g = normalize(parseModel(bytes));
      const x = randomFloats(4, 9);
      expectClose(evaluateFloat(g, x), await runOrt(bytes, "x", c.inDims, x), 1e-5);
    });
  }

  it("fails on an unsupported operator with its type, node name and opset", () => {
    const bytes = buildModel({
      input: { name: "x", dims: [1, 4] },
      output: { name: "y", dims: [1, 4] },
      nodes: [{ op: "Sin", name: "the_sine", inputs: ["x"], outputs: ["y"] }],
      opset: 12,
    });
    const u = expectThrow(() => normalize(parseModel(bytes)), UnsupportedOperatorError);
    expect([u.opType, u.nodeName, u.opset]).to.deep.equal(["Sin", "the_sine", 12]);
    expect(u.message).to.equal('unsupported ONNX operator Sin (node "the_sine", opset 12)');
  });

  it("lists every unsupported operator at once, and the known pattern they belong to", () => {
    const twice = buildModel({
      input: { name: "x", dims: [1, 4] },
      output: { name: "y", dims: [1, 4] },
      nodes: [
        { op: "Sin", name: "s1", inputs: ["x"], outputs: ["a"] },
        { op: "Relu", name: "r", inputs: ["a"], outputs: ["b"] },
        { op: "Cos", name: "c1", inputs: ["b"], outputs: ["c"] },
        { op: "Sin", name: "s2", inputs: ["c"], outputs: ["y"] },
      ],
    });
    const u = expectThrow(() => normalize(parseModel(twice)), UnsupportedOperatorsError);
    expect(u.message).to.equal('2 unsupported ONNX operators (opset 13): Sin (2 nodes: "s1", "s2"), Cos (node "c1")');
    expect(u.nodes.map((n) => n.nodeName)).to.deep.equal(["s1", "c1", "s2"]);
    // A fused attention operator: the operator and the pattern it belongs to.
    const fused = buildModel({
      input: { name: "x", dims: [1, 4, 8] },
      output: { name: "z", dims: [1, 4, 8] },
      nodes: [
        { op: "MultiHeadAttention", domain: "com.microsoft", name: "attn", inputs: ["x", "x", "x"], outputs: ["y"] },
        { op: "Sin", name: "s", inputs: ["y"], outputs: ["z"] },
      ],
    });
    expect(() => normalize(parseModel(fused))).to.throw(
      UnsupportedOperatorsError,
      '2 unsupported ONNX operators (opset 13): com.microsoft.MultiHeadAttention (node "attn"), Sin (node "s"); ' +
        "the model uses attention as one fused operator (export it with the attention written out), " +
        "which assay does not prove yet",
    );
    // LayerNormalization decomposed without its epsilon is not the pattern assay fuses: Sqrt says so.
    const layerNorm = buildModel({
      input: { name: "x", dims: [1, 4] },
      output: { name: "y", dims: [1, 4] },
      nodes: [
        { op: "ReduceMean", name: "mean", inputs: ["x"], outputs: ["m"], attrs: { axes: [-1] } },
        { op: "Sub", name: "centre", inputs: ["x", "m"], outputs: ["d"] },
        { op: "Pow", name: "square", inputs: ["d", "two"], outputs: ["p"] },
        { op: "ReduceMean", name: "var", inputs: ["p"], outputs: ["v"], attrs: { axes: [-1] } },
        { op: "Sqrt", name: "std", inputs: ["v"], outputs: ["s"] },
        { op: "Div", name: "norm", inputs: ["d", "s"], outputs: ["y"] },
      ],
      initializers: { two: { dims: [], data: [2] } },
    });
    expect(() => normalize(parseModel(layerNorm))).to.throw(
      UnsupportedOperatorError,
      /Sqrt \(node "std", opset 13\).*inside a decomposed LayerNormalization/,
    );
  });

  it("reads Softmax inside the network as a softmax op over the last axis", () => {
    const bytes = buildModel({
      input: { name: "x", dims: [1, 4] },
      output: { name: "y", dims: [1, 3] },
      nodes: [
        { op: "Softmax", name: "sm", inputs: ["x"], outputs: ["s"] },
        { op: "Gemm", name: "fc", inputs: ["s", "W"], outputs: ["y"], attrs: { transB: 1 } },
      ],
      initializers: { W: { dims: [3, 4], data: W } },
    });
    const g = normalize(parseModel(bytes));
    expect(g.ops.map((o) => o.kind)).to.deep.equal(["softmax", "dense"]);
    expect(g.head).to.equal("none");
  });

  it("names expected and actual shapes when a weight does not fit the activation", () => {
    const bytes = buildModel({
      input: { name: "x", dims: [1, 5] },
      output: { name: "y", dims: [1, 3] },
      nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "W"], outputs: ["y"], attrs: { transB: 1 } }],
      initializers: { W: { dims: [3, 4], data: W } },
    });
    const err = expectThrow(() => normalize(parseModel(bytes)), ShapeMismatchError);
    expect(err.expected).to.deep.equal([5]);
    expect(err.got).to.deep.equal([4]);
  });

  it("rejects a wrong input length with both shapes", () => {
    const g = normalize(loadModel(modelPath("digits-mlp-64-32-10")));
    expect(() => evaluateFloat(g, [1, 2, 3])).to.throw(ShapeMismatchError, "input: expected shape [1, 64], got [3]");
  });
});

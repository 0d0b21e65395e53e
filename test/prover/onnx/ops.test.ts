// Every supported ONNX operator through the normalizer: the float graph matches onnxruntime on
// small in-memory models (each attribute path), folding rules are exercised, and unsupported
// forms fail with UnsupportedOperatorError naming the node.
import { expect } from "chai";
import { UnsupportedOperatorError } from "../../../prover/errors.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { buildModel, randomFloats } from "../../helpers/onnx-builder.js";
import { caseModel, numel, OP_CASES, runOrt } from "../../helpers/onnx-cases.js";

const W = (n: number, seed: number) => randomFloats(n, seed);

describe("onnx: every supported operator against onnxruntime (float graph)", () => {
  for (const c of OP_CASES) {
    it(c.name, async () => {
      const bytes = caseModel(c);
      const g = normalize(parseModel(bytes));
      if (c.kinds) expect(g.ops.map((o) => o.kind)).to.deep.equal(c.kinds);
      for (const seed of [11, 12]) {
        const x = randomFloats(numel(c.inDims), seed).map((v) => v * 2);
        const want = await runOrt(bytes, c.inDims, x);
        const got = evaluateFloat(g, x);
        expect(got.length).to.equal(want.length);
        for (let i = 0; i < got.length; i++) {
          if (!(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i]))))
            throw new Error(`element ${i}: ${got[i]} vs onnxruntime ${want[i]}`);
        }
      }
    });
  }

  it("fails with UnsupportedOperatorError on a quotient of two activations, naming the node", () => {
    const bytes = buildModel({
      input: { name: "x", dims: [1, 4] },
      output: { name: "y", dims: [1, 4] },
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["r"] },
        { op: "Div", name: "ratio", inputs: ["x", "r"], outputs: ["y"] },
      ],
    });
    expect(() => normalize(parseModel(bytes))).to.throw(
      UnsupportedOperatorError,
      /Div \(node "ratio", opset 13\): the quotient of two activations/,
    );
  });

  it("fails on a 3-D convolution and on a used MaxPool Indices output", () => {
    const conv3d = buildModel({
      input: { name: "x", dims: [1, 1, 3, 3, 3] },
      output: { name: "y", dims: [1, 1, 2, 2, 2] },
      nodes: [{ op: "Conv", name: "c3", inputs: ["x", "W"], outputs: ["y"] }],
      initializers: { W: { dims: [1, 1, 2, 2, 2], data: W(8, 1) } },
    });
    expect(() => normalize(parseModel(conv3d))).to.throw(
      UnsupportedOperatorError,
      /Conv \(node "c3".*only 1-D and 2-D inputs/,
    );
    const idx = buildModel({
      input: { name: "x", dims: [1, 1, 4, 4] },
      output: { name: "i", dims: [1, 1, 2, 2] },
      nodes: [
        {
          op: "MaxPool",
          name: "mp",
          inputs: ["x"],
          outputs: ["y", "i"],
          attrs: { kernel_shape: [2, 2], strides: [2, 2] },
        },
      ],
    });
    expect(() => normalize(parseModel(idx))).to.throw(
      UnsupportedOperatorError,
      /MaxPool \(node "mp".*output 1 \("i"\) is used/,
    );
  });
});

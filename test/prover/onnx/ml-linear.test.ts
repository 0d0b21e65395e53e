// The linear models of ai.onnx.ml (Scaler, Normalizer, LinearRegressor, LinearClassifier, ZipMap), as
// scikit-learn pipelines export them: the float graph agrees with onnxruntime, the quantized model
// stays within its error bound (regressor) or gives onnxruntime's label (classifier), and the
// circuit equals the integer evaluator. The classifier's label is proven; its scores output is
// not, and compiling says so.
import { expect } from "chai";
import ort from "onnxruntime-node";
import { emitCircuit } from "../../../prover/circuit/emit.js";
import { evaluateInteger, evaluateLayers, quantizeInput } from "../../../prover/engine/evaluate.js";
import { quantize } from "../../../prover/engine/fixed-point.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { UnsupportedOperatorError } from "../../../prover/errors.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { buildModel, randomFloats, type NodeSpec } from "../../helpers/onnx-builder.js";
import { testCircuit, withoutPoseidon } from "../../helpers/test-circuit.js";

const C = 5;
const rows = (n: number, seed: number) =>
  Array.from({ length: n }, (_, s) => randomFloats(C, seed + s).map((v) => 3 * v));

async function ortRun(bytes: Uint8Array, x: number[], output: string) {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, C]) }, [output]);
  await s.release();
  return Array.from(out[output].data as ArrayLike<number | bigint>, Number);
}

const SCALER: NodeSpec = {
  op: "Scaler",
  domain: "ai.onnx.ml",
  name: "scale",
  inputs: ["x"],
  outputs: ["s"],
  attrs: { offset: { floats: [0.5, -1, 0, 2, 0.25] }, scale: { floats: [2, 0.5, 1, 0.25, 4] } },
};

function regressor(post = "NONE"): Uint8Array {
  return buildModel({
    input: { name: "x", dims: [1, C] },
    output: { name: "y", dims: [1, 2] },
    nodes: [
      SCALER,
      {
        op: "LinearRegressor",
        domain: "ai.onnx.ml",
        name: "reg",
        inputs: ["s"],
        outputs: ["y"],
        attrs: {
          coefficients: { floats: randomFloats(2 * C, 5) },
          intercepts: { floats: [0.3, -0.7] },
          targets: 2,
          post_transform: { string: post },
        },
      },
    ],
  });
}

function normalized(norm: "L1" | "L2" | "MAX"): Uint8Array {
  return buildModel({
    input: { name: "x", dims: [1, C] },
    output: { name: "y", dims: [1, 2] },
    nodes: [
      SCALER,
      {
        op: "Normalizer",
        domain: "ai.onnx.ml",
        name: "norm",
        inputs: ["s"],
        outputs: ["n"],
        attrs: { norm: { string: norm } },
      },
      {
        op: "LinearRegressor",
        domain: "ai.onnx.ml",
        name: "reg",
        inputs: ["n"],
        outputs: ["y"],
        attrs: { coefficients: { floats: randomFloats(2 * C, 5) }, intercepts: { floats: [0.3, -0.7] }, targets: 2 },
      },
    ],
  });
}

function classifier(classes: number, coefficientRows: number, post: string, names?: string[]): Uint8Array {
  return buildModel({
    input: { name: "x", dims: [1, C] },
    output: { name: "label", dims: [1], type: names ? "string" : "int64" },
    moreOutputs: [{ name: "scores", dims: [1, classes] }],
    nodes: [
      SCALER,
      {
        op: "LinearClassifier",
        domain: "ai.onnx.ml",
        name: "clf",
        inputs: ["s"],
        outputs: ["label", "scores"],
        attrs: {
          coefficients: { floats: randomFloats(coefficientRows * C, 9) },
          intercepts: { floats: randomFloats(coefficientRows, 11).map((v) => v / 4) },
          ...(names
            ? { classlabels_strings: { strings: names } }
            : { classlabels_ints: Array.from({ length: classes }, (_, i) => i) }),
          post_transform: { string: post },
        },
      },
    ],
  });
}

describe("onnx: ai.onnx.ml linear models", function () {
  it("Scaler + LinearRegressor (2 targets): onnxruntime's values, within the bound; circuit == evaluator", async () => {
    const bytes = regressor();
    const g = normalize(parseModel(bytes));
    expect(g.ops.map((o) => o.kind)).to.deep.equal(["affine", "dense"]);
    const q = quantize(g, rows(16, 100));
    for (const x of rows(8, 200)) {
      const want = await ortRun(bytes, x, "y");
      const f = evaluateFloat(g, x);
      f.forEach((v, i) => expect(Math.abs(v - want[i]) <= 1e-4, `float ${v}, onnxruntime ${want[i]}`).to.equal(true));
      const r = evaluateInteger(q, x);
      r.dequantized.forEach((v, i) =>
        expect(Math.abs(v - f[i]) <= q.output.errorBound, `${v} vs ${f[i]}, bound ${q.output.errorBound}`).to.equal(
          true,
        ),
      );
    }
    const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
    const x = rows(1, 300)[0];
    const { values } = quantizeInput(q, x);
    const w = await circuit.witness({ x: Array.from(values, BigInt), salt: 1n, binding: 2n });
    expect(circuit.check(w).ok).to.equal(true);
  });

  for (const [name, classes, coefficientRows, post] of [
    ["3 classes, SOFTMAX", 3, 3, "SOFTMAX"],
    ["binary with one coefficient row, LOGISTIC", 2, 1, "LOGISTIC"],
  ] as const) {
    it(`LinearClassifier (${name}): onnxruntime's label; the scores output is noted unproven`, async () => {
      const bytes = classifier(classes, coefficientRows, post);
      const g = normalize(parseModel(bytes));
      expect(g.head).to.equal("argmax");
      expect(g.notes).to.deep.equal([
        'graph output "scores" (the classifier\'s scores) is not proven: the claim\'s output is the label "label"',
      ]);
      const q = quantize(g, rows(16, 100));
      let agree = 0;
      const xs = rows(40, 400);
      for (const x of xs) {
        const [label] = await ortRun(bytes, x, "label");
        if (evaluateInteger(q, x).label === label) agree++;
      }
      expect(agree / xs.length).to.be.at.least(0.95);
    });
  }

  for (const norm of ["L2", "L1"] as const) {
    const what = `Scaler + Normalizer ${norm} + LinearRegressor`;
    it(`${what}: onnxruntime's values and a zero row; circuit == evaluator`, async () => {
      const bytes = normalized(norm);
      const g = normalize(parseModel(bytes));
      expect(g.ops.map((o) => o.kind)).to.deep.equal(["affine", "layerNorm", "dense"]);
      const q = quantize(g, rows(16, 100));
      expect(q.layers[1]).to.include({ kind: "layerNorm", norm: norm.toLowerCase() });
      // The zero row (the Scaler's offsets, negated and scaled back) stays zero, as in onnxruntime.
      const zero = [0.5, -1, 0, 2, 0.25];
      let worst = 0;
      for (const x of [...rows(24, 200), zero]) {
        const want = await ortRun(bytes, x, "y");
        const f = evaluateFloat(g, x);
        f.forEach((v, i) => expect(Math.abs(v - want[i]), `float ${v}, onnxruntime ${want[i]}`).to.be.below(1e-4));
        const r = evaluateInteger(q, x);
        r.dequantized.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - f[i]));
          expect(Math.abs(v - f[i]), `${v} vs ${f[i]}`).to.be.at.most(q.output.errorBound);
        });
      }
      // Measured against the (loose, input-independent) bound: the normalized values keep ~8 bits.
      expect(worst).to.be.below(0.05);
      const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
      for (const x of [rows(1, 300)[0], zero]) {
        const { values } = quantizeInput(q, x);
        const w = await circuit.witness({ x: Array.from(values, BigInt), salt: 1n, binding: 2n });
        expect(circuit.check(w).ok).to.equal(true);
        // Every layer value --O2 kept (the normalized row, or the values after it) is the evaluator's.
        const layers = evaluateLayers(q, values);
        let compared = 0;
        layers.forEach((out, k) =>
          out.forEach((v, j) => {
            if (!circuit.present(`main.h${k}[${j}]`)) return;
            compared++;
            expect(circuit.signal(w, `main.h${k}[${j}]`), `h${k}[${j}]`).to.equal(BigInt(v));
          }),
        );
        expect(compared).to.be.greaterThan(0);
      }
    });
  }

  it("a forged Normalizer row statistic has no witness (L1's sign digits, L2's reciprocal square root)", async () => {
    for (const norm of ["L1", "L2"] as const) {
      const q = quantize(normalize(parseModel(normalized(norm))), rows(16, 100));
      const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
      const { values } = quantizeInput(q, rows(1, 500)[0]);
      const w = await circuit.witness({ x: Array.from(values, BigInt), salt: 1n, binding: 2n });
      const r = circuit.signal(w, "main.lnr1[0].out");
      // The reciprocal one larger: the normalized row grows; its pinning constraints must fail.
      expect(circuit.check(circuit.tamper(w, { "main.lnr1[0].out": r + 1n }, { skipEliminated: true })).ok).to.equal(
        false,
      );
      if (norm === "L1") {
        // |x| claimed as -|x| (the wrong sign digit's product): the leaky step's constraints fail.
        const a = circuit.signal(w, "main.lnabs1[0].out");
        expect(a).to.not.equal(0n);
        const forged = circuit.tamper(w, { "main.lnabs1[0].out": -a }, { skipEliminated: true });
        expect(circuit.check(forged).ok).to.equal(false);
      }
    }
  });

  it("Normalizer MAX is refused with its reason", () => {
    expect(() => normalize(parseModel(normalized("MAX")))).to.throw(
      UnsupportedOperatorError,
      'unsupported ONNX operator ai.onnx.ml.Normalizer (node "norm", opset 13): norm MAX',
    );
  });

  it("LinearClassifier with string class labels: the proven index names onnxruntime's class", async () => {
    const bytes = classifier(3, 3, "SOFTMAX", ["setosa", "versicolor", "virginica"]);
    const q = quantize(normalize(parseModel(bytes)), rows(16, 100));
    expect(q.output.headSpec.classLabels).to.deep.equal(["setosa", "versicolor", "virginica"]);
    const session = await ort.InferenceSession.create(bytes);
    let agree = 0;
    const xs = rows(40, 400);
    for (const x of xs) {
      const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, C]) }, ["label"]);
      if (evaluateInteger(q, x).classes?.[0] === out.label.data[0]) agree++;
    }
    await session.release();
    expect(agree / xs.length).to.be.at.least(0.95);
  });

  it("ZipMap after the classifier is dropped; unsupported forms fail with the node", () => {
    const zipped = buildModel({
      input: { name: "x", dims: [1, C] },
      output: { name: "label", dims: [1], type: "int64" },
      moreOutputs: [{ name: "probabilities", dims: [1] }],
      nodes: [
        {
          op: "LinearClassifier",
          domain: "ai.onnx.ml",
          name: "clf",
          inputs: ["x"],
          outputs: ["label", "scores"],
          attrs: { coefficients: { floats: randomFloats(2 * C, 3) }, classlabels_ints: [0, 1] },
        },
        { op: "ZipMap", domain: "ai.onnx.ml", name: "zip", inputs: ["scores"], outputs: ["probabilities"] },
      ],
    });
    expect(normalize(parseModel(zipped)).notes?.[0]).to.match(/^graph output "probabilities" .* is not proven/);
    expect(() => normalize(parseModel(regressor("LOGISTIC")))).to.throw(
      UnsupportedOperatorError,
      'unsupported ONNX operator ai.onnx.ml.LinearRegressor (node "reg", opset 13): post_transform LOGISTIC',
    );
  });
});

// Transformer blocks: MatMul of two activations, Softmax inside the network, LayerNormalization
// (opset 17, and PyTorch's decomposed form fused), GELU in its Erf form, ReduceMean. The float
// graph agrees with onnxruntime, the quantized model stays close to the float graph, and the
// circuit equals the integer evaluator; the reference transformer meets its target.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ort from "onnxruntime-node";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";
import { loadDataSet } from "../../../prover/data/dataset.js";
import { searchQuantization } from "../../../prover/engine/bit-search.js";
import { measureFidelity } from "../../../prover/engine/fidelity.js";
import { softmaxAlong } from "../../../prover/model/head.js";
import { emitCircuit } from "../../../prover/circuit/emit.js";
import { evaluateInteger, quantizeInput } from "../../../prover/engine/evaluate.js";
import { quantize } from "../../../prover/engine/fixed-point.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { InputError, UnsupportedOperatorError } from "../../../prover/errors.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { buildModel, randomFloats, type NodeSpec, type TensorSpec } from "../../helpers/onnx-builder.js";
import { testCircuit, withoutPoseidon, witnessFailure } from "../../helpers/test-circuit.js";

const [T, D, C] = [4, 8, 3];

const weights = (rows: number, cols: number, seed: number, scale = 0.5): TensorSpec => ({
  dims: [rows, cols],
  data: randomFloats(rows * cols, seed).map((v) => scale * v),
});
const vector = (n: number, seed: number, scale = 0.2, offset = 0): TensorSpec => ({
  dims: [n],
  data: randomFloats(n, seed).map((v) => offset + scale * v),
});

/** LayerNormalization of `x` into `y`: one node at opset 17, else PyTorch's decomposition. */
function layerNorm(x: string, y: string, fused: boolean, tag: string): NodeSpec[] {
  if (fused) return [{ op: "LayerNormalization", name: `${tag}`, inputs: [x, `${tag}_g`, `${tag}_b`], outputs: [y] }];
  const t = (s: string) => `${tag}_${s}`;
  return [
    { op: "ReduceMean", name: t("mean"), inputs: [x], outputs: [t("m")], attrs: { axes: [-1] } },
    { op: "Sub", name: t("sub"), inputs: [x, t("m")], outputs: [t("d")] },
    { op: "Pow", name: t("pow"), inputs: [t("d"), "two"], outputs: [t("p")] },
    { op: "ReduceMean", name: t("var"), inputs: [t("p")], outputs: [t("v")], attrs: { axes: [-1] } },
    { op: "Add", name: t("addeps"), inputs: [t("v"), "eps"], outputs: [t("e")] },
    { op: "Sqrt", name: t("sqrt"), inputs: [t("e")], outputs: [t("s")] },
    { op: "Div", name: t("div"), inputs: [t("d"), t("s")], outputs: [t("n")] },
    { op: "Mul", name: t("gamma"), inputs: [t("n"), `${tag}_g`], outputs: [t("ng")] },
    { op: "Add", name: t("beta"), inputs: [t("ng"), `${tag}_b`], outputs: [y] },
  ];
}

/**
 * One pre-norm attention block on x [1, T, D] (single head), a GELU, mean over the sequence and a
 * classifier: every transformer operator assay reads.
 */
function blockModel(fused: boolean): Uint8Array {
  const nodes: NodeSpec[] = [
    ...layerNorm("x", "xn", fused, "ln1"),
    { op: "MatMul", name: "q", inputs: ["xn", "Wq"], outputs: ["q"] },
    { op: "MatMul", name: "k", inputs: ["xn", "Wk"], outputs: ["k"] },
    { op: "MatMul", name: "v", inputs: ["xn", "Wv"], outputs: ["v"] },
    { op: "Transpose", name: "kT", inputs: ["k"], outputs: ["kT"], attrs: { perm: [0, 2, 1] } },
    { op: "MatMul", name: "scores", inputs: ["q", "kT"], outputs: ["s"] },
    { op: "Mul", name: "scale", inputs: ["s", "scale"], outputs: ["ss"] },
    { op: "Softmax", name: "attn", inputs: ["ss"], outputs: ["a"], attrs: { axis: -1 } },
    { op: "MatMul", name: "av", inputs: ["a", "v"], outputs: ["o"] },
    { op: "Add", name: "residual", inputs: ["x", "o"], outputs: ["r"] },
    ...layerNorm("r", "rn", fused, "ln2"),
    // GELU as PyTorch exports it: x * 0.5 * (1 + erf(x / sqrt(2))).
    { op: "Div", name: "gelu_div", inputs: ["rn", "sqrt2"], outputs: ["g1"] },
    { op: "Erf", name: "gelu_erf", inputs: ["g1"], outputs: ["g2"] },
    { op: "Add", name: "gelu_add", inputs: ["g2", "one"], outputs: ["g3"] },
    { op: "Mul", name: "gelu_mul", inputs: ["rn", "g3"], outputs: ["g4"] },
    { op: "Mul", name: "gelu_half", inputs: ["g4", "half"], outputs: ["g"] },
    { op: "ReduceMean", name: "pool", inputs: ["g"], outputs: ["pooled"], attrs: { axes: [1], keepdims: 0 } },
    { op: "Gemm", name: "head", inputs: ["pooled", "Wc", "bc"], outputs: ["y"] },
  ];
  const scalar = (v: number): TensorSpec => ({ dims: [], data: [v] });
  return buildModel({
    opset: fused ? 17 : 13,
    input: { name: "x", dims: [1, T, D] },
    output: { name: "y", dims: [1, C] },
    nodes,
    initializers: {
      Wq: weights(D, D, 11),
      Wk: weights(D, D, 13),
      Wv: weights(D, D, 17),
      Wc: weights(D, C, 19, 1),
      bc: vector(C, 23),
      ln1_g: vector(D, 29, 0.2, 1),
      ln1_b: vector(D, 31),
      ln2_g: vector(D, 37, 0.2, 1),
      ln2_b: vector(D, 41),
      two: scalar(2),
      eps: scalar(1e-5),
      scale: scalar(1 / Math.sqrt(D)),
      sqrt2: scalar(Math.SQRT2),
      one: scalar(1),
      half: scalar(0.5),
    },
  });
}

const inputs = (n: number, seed: number) => Array.from({ length: n }, (_, s) => randomFloats(T * D, seed + s));

async function ortRun(bytes: Uint8Array, xs: number[][]): Promise<number[][]> {
  const s = await ort.InferenceSession.create(bytes);
  const out: number[][] = [];
  for (const x of xs) {
    const r = await s.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, T, D]) }, ["y"]);
    out.push(Array.from(r.y.data as Float32Array));
  }
  await s.release();
  return out;
}

describe("onnx: attention, LayerNormalization, GELU", function () {
  for (const fused of [false, true]) {
    const what = fused ? "LayerNormalization (opset 17)" : "PyTorch's decomposed LayerNorm (opset 13)";
    it(`${what}: onnxruntime's values; fused into layerNorm ops; quantized within the stated bound`, async () => {
      const bytes = blockModel(fused);
      const g = normalize(parseModel(bytes));
      const kinds = g.ops.map((o) => o.kind);
      expect(kinds.filter((k) => k === "layerNorm")).to.have.length(2);
      expect(kinds.filter((k) => k === "matmul")).to.have.length(2);
      // GELU fused: phi and one product.
      expect(kinds).to.include.members(["softmax", "phi", "product"]);
      // gamma and beta folded into the fused op; the attention scale folded into Q K^T, then moved
      // into Q's projection (through the head transpose): the scores carry no multiplier.
      const ln = g.ops.find((o) => o.kind === "layerNorm")!;
      expect(ln.kind === "layerNorm" && ln.gamma.some((v) => v !== 1)).to.equal(true);
      const mm = g.ops.find((o) => o.kind === "matmul")!;
      expect(mm.kind === "matmul" && mm.scale).to.equal(1);
      const xs = inputs(10, 100);
      const want = await ortRun(bytes, xs);
      const q = quantize(g, inputs(32, 500));
      xs.forEach((x, i) => {
        const f = evaluateFloat(g, x);
        f.forEach((v, k) => expect(Math.abs(v - want[i][k]), `float ${v} vs ${want[i][k]}`).to.be.below(1e-4));
        const got = evaluateInteger(q, x).dequantized;
        got.forEach((v, k) => {
          expect(Math.abs(v - f[k]), `quantized ${v} vs ${f[k]}`).to.be.at.most(q.output.errorBound);
          expect(Math.abs(v - f[k]), `quantized ${v} vs ${f[k]}`).to.be.below(0.05);
        });
      });
    });
  }

  it("the circuit equals the integer evaluator", async function () {
    const g = normalize(parseModel(blockModel(false)));
    const q = quantize(g, inputs(16, 700));
    const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
    for (const x of inputs(2, 900)) {
      const w = await circuit.witness({ x: Array.from(quantizeInput(q, x).values, BigInt), salt: 3n, binding: 4n });
      expect(circuit.check(w).ok).to.equal(true);
      const values = evaluateInteger(q, x).logits;
      const name = `main.h${q.output.layer}`;
      for (let i = 0; i < values.length; i++) {
        if (circuit.present(`${name}[${i}]`)) expect(circuit.signal(w, `${name}[${i}]`)).to.equal(values[i]);
      }
    }
  });

  it("GELU's tanh form (Pow by 3 as products): onnxruntime's values, quantized close", async () => {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
    const bytes = buildModel({
      opset: 13,
      input: { name: "x", dims: [1, T, D] },
      output: { name: "y", dims: [1, T, D] },
      nodes: [
        { op: "Pow", name: "cube", inputs: ["x", "three"], outputs: ["x3"] },
        { op: "Mul", name: "c1", inputs: ["x3", "k1"], outputs: ["a"] },
        { op: "Add", name: "inner", inputs: ["x", "a"], outputs: ["b"] },
        { op: "Mul", name: "c2", inputs: ["b", "k2"], outputs: ["c"] },
        { op: "Tanh", name: "tanh", inputs: ["c"], outputs: ["t"] },
        { op: "Add", name: "one", inputs: ["t", "one"], outputs: ["u"] },
        { op: "Mul", name: "gate", inputs: ["x", "u"], outputs: ["v"] },
        { op: "Mul", name: "half", inputs: ["v", "half"], outputs: ["y"] },
      ],
      initializers: {
        three: { dims: [], data: [3] },
        k1: { dims: [], data: [0.044715] },
        k2: { dims: [], data: [Math.sqrt(2 / Math.PI)] },
        one: { dims: [], data: [1] },
        half: { dims: [], data: [0.5] },
      },
    });
    const g = normalize(parseModel(bytes));
    expect(g.ops.filter((o) => o.kind === "product")).to.have.length(3);
    const xs = inputs(6, 300).map((x) => x.map((v) => 3 * v));
    const want = await ortRun(bytes, xs);
    const q = quantize(
      g,
      inputs(32, 400).map((x) => x.map((v) => 3 * v)),
    );
    xs.forEach((x, i) => {
      const f = evaluateFloat(g, x);
      f.forEach((v, k) => expect(Math.abs(v - want[i][k])).to.be.below(1e-5));
      const got = evaluateInteger(q, x).dequantized;
      got.forEach((v, k) => expect(Math.abs(v - f[k]), `quantized ${v} vs ${f[k]}`).to.be.below(0.05));
    });
  });

  it("rejects a non-integer Pow, Sqrt outside a LayerNorm, Softmax along an inner axis, with the node", () => {
    const single = (node: NodeSpec, initializers?: Record<string, TensorSpec>) =>
      buildModel({
        opset: 13,
        input: { name: "x", dims: [1, T, D] },
        output: { name: "y", dims: [1, T, D] },
        nodes: [node, { op: "Relu", name: "r", inputs: [node.outputs[0]], outputs: ["y"] }],
        initializers,
      });
    const root = single(
      { op: "Pow", name: "root", inputs: ["x", "e"], outputs: ["p"] },
      { e: { dims: [], data: [0.5] } },
    );
    expect(() => normalize(parseModel(root))).to.throw(UnsupportedOperatorError, /Pow \(node "root".*exponent 0.5/);
    const sqrt = single({ op: "Sqrt", name: "sq", inputs: ["x"], outputs: ["p"] });
    expect(() => normalize(parseModel(sqrt))).to.throw(UnsupportedOperatorError, /Sqrt \(node "sq".*LayerNorm/);
    const inner = single({ op: "Softmax", name: "sm", inputs: ["x"], outputs: ["s"], attrs: { axis: 1 } });
    expect(() => normalize(parseModel(inner))).to.throw(UnsupportedOperatorError, /Softmax \(node "sm".*axis 1/);
  });
});

describe("onnx: embedding lookup (Gather on a constant table by token ids)", function () {
  const [V, E, S] = [6, 4, 5];
  const bytes = buildModel({
    opset: 13,
    input: { name: "ids", dims: [1, S], type: "int64" },
    output: { name: "y", dims: [1, 3] },
    nodes: [
      { op: "Gather", name: "embed", inputs: ["table", "ids"], outputs: ["e"], attrs: { axis: 0 } },
      { op: "ReduceMean", name: "pool", inputs: ["e"], outputs: ["m"], attrs: { axes: [1], keepdims: 0 } },
      { op: "Gemm", name: "head", inputs: ["m", "W"], outputs: ["y"] },
    ],
    initializers: { table: weights(V, E, 51, 1), W: weights(E, 3, 53, 1) },
  });
  const ids = (n: number, seed: number) =>
    Array.from({ length: n }, (_, s) => randomFloats(S, seed + s).map((v) => Math.floor(((v + 1) / 2) * V * 0.999)));

  it("onnxruntime's values from int64 ids; exact ids at scale 1; the circuit equals the evaluator", async () => {
    const g = normalize(parseModel(bytes));
    expect(g.input.integer).to.equal(true);
    expect(g.ops.map((o) => o.kind)).to.deep.equal(["embed", "gather", "dense", "dense"]);
    const calib = [...ids(16, 1), [V - 1, 0, 1, 2, 3]];
    const q = quantize(g, calib);
    expect([q.input.frac, q.input.integer]).to.deep.equal([0, true]);
    const s = await ort.InferenceSession.create(bytes);
    const xs = ids(6, 40);
    for (const x of xs) {
      const r = await s.run(
        {
          ids: new ort.Tensor(
            "int64",
            BigInt64Array.from(x, (v) => BigInt(v)),
            [1, S],
          ),
        },
        ["y"],
      );
      const want = Array.from(r.y.data as Float32Array);
      const f = evaluateFloat(g, x);
      f.forEach((v, k) => expect(Math.abs(v - want[k])).to.be.below(1e-5));
      evaluateInteger(q, x).dequantized.forEach((v, k) =>
        expect(Math.abs(v - f[k])).to.be.at.most(q.output.errorBound),
      );
    }
    await s.release();
    const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
    for (const x of xs.slice(0, 2)) {
      const w = await circuit.witness({ x: x.map(BigInt), salt: 3n, binding: 4n });
      expect(circuit.check(w).ok).to.equal(true);
      const values = evaluateInteger(q, x).logits;
      const name = `main.h${q.output.layer}`;
      for (let i = 0; i < values.length; i++)
        if (circuit.present(`${name}[${i}]`)) expect(circuit.signal(w, `${name}[${i}]`)).to.equal(values[i]);
    }
    // A prover selecting another row for the same id (its output recomputed from it), or two rows
    // at once, or a non-boolean mix that sums right: each breaks a constraint.
    const x = xs[0];
    const w = await circuit.witness({ x: x.map(BigInt), salt: 3n, binding: 4n });
    const other = (x[0] + 1) % V;
    const sel = (rows: Record<number, bigint>) => Array.from({ length: V }, (_, v) => rows[v] ?? 0n);
    const layer = q.layers[0];
    if (layer.kind !== "embed") throw new Error("layer 0 is the embedding");
    const out = (rows: Record<number, bigint>) =>
      Array.from({ length: E }, (_, d) =>
        Object.entries(rows).reduce((a, [v, s]) => a + s * BigInt(layer.table[Number(v) * E + d]), 0n),
      );
    for (const rows of [{ [other]: 1n }, { [x[0]]: 1n, [other]: 1n }, { [x[0]]: 2n, [other]: -1n }]) {
      const forged = circuit.tamper(
        w,
        {
          "main.esel0[0]": sel(rows),
          "main.c0": [
            ...out(rows),
            ...Array.from({ length: (S - 1) * E }, (_, i) => circuit.signal(w, `main.c0[${E + i}]`)),
          ],
        },
        { skipEliminated: true, allowUnchanged: true },
      );
      expect(
        circuit.check(forged).ok,
        JSON.stringify(rows, (_, v) => String(v)),
      ).to.equal(false);
    }
    // An id outside the table (or not an integer): the evaluator refuses it, and no witness exists.
    expect(() => evaluateInteger(q, [V, 0, 0, 0, 0])).to.throw(
      InputError,
      /embedding index 0 is 6: not an integer token id in \[0, 6\)/,
    );
    await witnessFailure(circuit.witness({ x: [BigInt(V), 0n, 0n, 0n, 0n], salt: 3n, binding: 4n }));
  });
});

describe("reference transformer (models/train_transformer.py)", function () {
  it("reads PyTorch's opset-13 and -17 exports alike; the default search meets 99% on held-out data", async () => {
    const d = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `transformer-${split}.json`));
    const [calib, test] = [d("calibration"), d("test")];
    for (const file of ["transformer-2x32-seq16", "transformer-2x32-seq16-opset17"]) {
      const bytes = readFileSync(path.join(PROJECT_ROOT, "models", `${file}.onnx`));
      const g = normalize(parseModel(bytes));
      const count = (k: string) => g.ops.filter((o) => o.kind === k).length;
      // Every LayerNorm fused (5), GELU as phi (2), Q K^T and A V per layer, Softmax inside; the
      // output Softmax is the head.
      expect([count("layerNorm"), count("phi"), count("matmul"), count("softmax")]).to.deep.equal([5, 2, 4, 2]);
      expect(g.head).to.equal("softmax");
      const s = await ort.InferenceSession.create(bytes);
      for (const x of test.xs.slice(0, 10)) {
        const r = await s.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, 16, 4]) }, ["probs"]);
        const want = Array.from(r.probs.data as Float32Array);
        const got = softmaxAlong(evaluateFloat(g, x), [1, 4], 1);
        got.forEach((v, k) => expect(Math.abs(v - want[k])).to.be.below(1e-5));
      }
      await s.release();
      if (file.endsWith("opset17")) continue;
      const search = searchQuantization(g, calib.xs);
      expect(search.met).to.equal(true);
      const fid = await measureFidelity(bytes, search.model, test.xs.slice(0, 200), test.labels?.slice(0, 200));
      expect(fid.argmaxAgreement).to.be.at.least(0.99);
    }
  });
});

// Quantized evaluator == circuit, bit for bit, on small circuits for every layer kind and
// activation: each layer's surviving witness signals (h<k>) equal the evaluator's integers, the
// public output equals what the evaluator predicts, the witness satisfies the r1cs, and the
// dequantized output is within the quantizer's a-priori error bound of onnxruntime's.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fitsOneWord } from "../../../prover/commit/tensor-commitment.js";
import { emitCircuit } from "../../../prover/circuit/emit.js";
import { argmaxGroups, outputEncoding, outputIsLabel, outputValues } from "../../../prover/circuit/encodings.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { softmaxAlong } from "../../../prover/model/head.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { evaluateInteger, evaluateLayers, quantizeInput } from "../../../prover/engine/evaluate.js";
import { chainPermutations, POSEIDON_PERMUTATION } from "../../../prover/engine/cost.js";
import { quantizeTraced } from "../../../prover/engine/fixed-point.js";
import type { QuantizedModel } from "../../../prover/quantize/quantized-model.js";
import { standInOutput, testCircuit, withoutPoseidon } from "../../helpers/test-circuit.js";
import { buildModel, randomFloats } from "../../helpers/onnx-builder.js";
import { tooLargeBeforeCompiling } from "../../../prover/prove-inference.js";
import { estimateConstantFunctions } from "../../../prover/zk/circom.js";
import { V8_MAX_WASM_FUNCTION_SIZE } from "../../../prover/zk/witness.js";
import { caseModel, numel, OP_CASES, type OpCase, runOrt } from "../../helpers/onnx-cases.js";

const W = (n: number, seed: number) => randomFloats(n, seed);

/** Layers written for these tests: pooling placement, heads, Sigmoid on raw accumulators. */
const EXTRA: (OpCase & { check?: (q: QuantizedModel) => void })[] = [
  {
    name: "conv -> relu -> maxpool 2x2/2: the pool reads raw accumulators, ReLU after it",
    inDims: [1, 1, 8, 8],
    outDims: [1, 3, 3, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: [3, 3] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", inputs: ["r"], outputs: ["y"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    ],
    init: { W: { dims: [3, 1, 3, 3], data: W(27, 21) } },
    check: (q) => {
      expect(q.layers.map((l) => `${l.kind}:${l.act?.kind ?? "raw"}`)).to.deep.equal(["conv:raw", "maxpool:relu"]);
    },
  },
  {
    name: "conv -> relu -> maxpool 3x3/1 (overlapping): ReLU first, the pool on narrow values",
    inDims: [1, 1, 7, 7],
    outDims: [1, 2, 5, 5],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", inputs: ["r"], outputs: ["y"], attrs: { kernel_shape: [3, 3] } },
    ],
    init: { W: { dims: [2, 1, 3, 3], data: W(18, 22) } },
    check: (q) => {
      expect(q.layers.map((l) => `${l.kind}:${l.act?.kind ?? "raw"}`)).to.deep.equal(["conv:relu", "maxpool:raw"]);
    },
  },
  {
    name: "conv -> sigmoid (piecewise linear on the raw accumulators) -> gemm",
    inDims: [1, 1, 4, 4],
    outDims: [1, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: [3, 3] } },
      { op: "Sigmoid", inputs: ["c"], outputs: ["s"] },
      { op: "Flatten", inputs: ["s"], outputs: ["f"] },
      { op: "Gemm", inputs: ["f", "G"], outputs: ["y"], attrs: { transB: 1 } },
    ],
    init: { W: { dims: [2, 1, 3, 3], data: W(18, 23).map((v) => 3 * v) }, G: { dims: [3, 8], data: W(24, 24) } },
    check: (q) => {
      expect(q.layers[0].act?.kind).to.equal("pwl");
    },
  },
  {
    name: "ArgMax over axis 1 of [2, 3, 2] with select_last_index (6 labels packed)",
    inDims: [2, 3, 2],
    outDims: [2, 1, 2],
    nodes: [
      { op: "Mul", inputs: ["x", "k"], outputs: ["m"] },
      { op: "ArgMax", inputs: ["m"], outputs: ["y"], attrs: { axis: 1, select_last_index: 1 } },
    ],
    init: { k: { dims: [1], data: [3] } },
    outType: "int64",
  },
  {
    name: "Softmax over axis 0 (probabilities off-circuit from the proven values)",
    inDims: [3, 4],
    outDims: [3, 4],
    nodes: [
      { op: "Add", inputs: ["x", "b"], outputs: ["a"] },
      { op: "Softmax", inputs: ["a"], outputs: ["y"], attrs: { axis: 0 } },
    ],
    init: { b: { dims: [4], data: [0.5, -0.5, 1, 0] } },
  },
];

describe("quantized evaluator == circuit on small models (every layer kind)", () => {
  for (const c of [...OP_CASES, ...EXTRA]) {
    it(c.name, async () => {
      const bytes = caseModel(c);
      const g = normalize(parseModel(bytes));
      const n = numel(c.inDims);
      const calib = Array.from({ length: 8 }, (_, s) => randomFloats(n, 40 + s).map((v) => v * 2));
      const { model: q, constraints: predicted } = quantizeTraced(g, calib);
      (c as { check?: (q: QuantizedModel) => void }).check?.(q);
      // The layers, without the Poseidon permutations of the input and output commitments (tested
      // on their own, and in every test that proves a whole model).
      const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
      // The size predicted before compiling (engine/cost.ts), every layer kind, less the
      // commitments' permutations: within 40 constraints or 2% where --O2 finds more to fold.
      const enc = outputEncoding(q);
      const outPermutations = outputIsLabel(q) || fitsOneWord(enc) ? 0 : chainPermutations(enc.n, enc.bits);
      const layersPredicted =
        predicted - POSEIDON_PERMUTATION * (chainPermutations(n, q.config.inputBits) + outPermutations);
      const slack = Math.max(40, 0.02 * circuit.constraints);
      expect(
        Math.abs(layersPredicted - circuit.constraints),
        `predicted ${layersPredicted}, circom ${circuit.constraints}`,
      ).to.be.at.most(slack);
      for (const x of calib.slice(0, 2)) {
        const { values } = quantizeInput(q, x);
        const layers = evaluateLayers(q, values);
        const w = await circuit.witness({ x: Array.from(values, BigInt), salt: 3n, binding: 4n });
        expect(circuit.check(w).ok).to.equal(true);
        let compared = 0;
        layers.forEach((out, k) =>
          out.forEach((v, j) => {
            const name = `main.h${k}[${j}]`;
            if (!circuit.present(name)) return;
            compared++;
            if (circuit.signal(w, name) !== BigInt(v))
              throw new Error(`${name}: circuit ${circuit.signal(w, name)}, evaluator ${v}`);
          }),
        );
        const r = evaluateInteger(q, x);
        const expected = outputIsLabel(q) ? BigInt(r.label) : standInOutput(outputValues(q, r), outputEncoding(q));
        expect(w[2], "public output").to.equal(expected);
        // Nonlinear layers keep their outputs as witness signals; linear ones are substituted away.
        if (q.layers.some((l) => l.act)) expect(compared).to.be.greaterThan(0);

        const want = await runOrt(bytes, c.inDims, x);
        if (q.output.head === "argmax") {
          // Labels agree wherever the float values' top two differ by more than twice the bound.
          const f = evaluateFloat(g, x);
          const { groups, length, inner } = argmaxGroups(q);
          let decided = 0;
          for (let gi = 0; gi < groups; gi++) {
            const vals = Array.from(
              { length },
              (_, t) => f[(Math.floor(gi / inner) * length + t) * inner + (gi % inner)],
            ).sort((a, b) => b - a);
            if (vals[0] - vals[1] <= 2 * q.output.errorBound) continue;
            decided++;
            expect(r.labels[gi], `group ${gi}`).to.equal(Number(want[gi]));
          }
          expect(decided).to.be.greaterThan(0);
        } else {
          // Softmax is 1/2-Lipschitz in the sup norm, so the values' bound covers the probabilities.
          const got =
            q.output.head === "softmax"
              ? softmaxAlong(r.dequantized, q.output.valueShape, q.output.headSpec.axis)
              : r.dequantized;
          for (let i = 0; i < got.length; i++)
            expect(Math.abs(got[i] - want[i]), `element ${i}`).to.be.at.most(q.output.errorBound);
        }
      }
    });
  }
});

describe("constant tables over the literal limit (V8's function size)", () => {
  it("are split into row blocks: the same r1cs, byte for byte, and the same witness", async () => {
    const c = EXTRA.find((e) => e.name.startsWith("conv -> sigmoid"))!;
    const g = normalize(parseModel(caseModel(c)));
    const calib = Array.from({ length: 4 }, (_, s) => randomFloats(numel(c.inDims), 60 + s));
    const { model: q } = quantizeTraced(g, calib);
    const whole = emitCircuit(q, { generatedBy: "test" });
    // 5 literals per function: the conv's 2x1x3x3 kernel splits by output channel and then by row,
    // the dense layer's 3x8 weights one row per function, and the biases in pieces.
    const split = emitCircuit(q, { generatedBy: "test", maxConstantElements: 5 });
    const literals = [...split.matchAll(/function (\w+)\(\) \{\n {2}return (\[[-\d,[\]]*\]);/g)];
    expect(literals.length).to.be.greaterThan(6);
    for (const [, name, body] of literals) expect(body.match(/-?\d+/g)!.length, name).to.be.at.most(5);
    const [a, b] = [await testCircuit(withoutPoseidon(whole)), await testCircuit(withoutPoseidon(split))];
    expect(Buffer.compare(readFileSync(a.r1csPath), readFileSync(b.r1csPath)), "r1cs bytes").to.equal(0);
    for (const x of calib.slice(0, 2)) {
      const input = { x: Array.from(quantizeInput(q, x).values, BigInt), salt: 3n, binding: 4n };
      expect(await b.witness(input)).to.deep.equal(await a.witness(input));
    }
  });
});

describe("a 3,264 x 128 dense layer (417,792 weights, the size that broke V8 before)", () => {
  it("is emitted with every constant function under V8's limit, and the pre-compile check passes", () => {
    const [n, m] = [3264, 128];
    const bytes = buildModel({
      input: { name: "x", dims: [1, n] },
      output: { name: "y", dims: [1, m] },
      nodes: [{ op: "Gemm", inputs: ["x", "W", "b"], outputs: ["y"], attrs: { transB: 1 } }],
      initializers: { W: { dims: [m, n], data: randomFloats(n * m, 3) }, b: { dims: [m], data: randomFloats(m, 4) } },
    });
    const g = normalize(parseModel(bytes));
    const { model: q } = quantizeTraced(g, [randomFloats(n, 5), randomFloats(n, 6)]);
    const source = emitCircuit(q, { generatedBy: "test" });
    const functions = estimateConstantFunctions(source);
    expect(functions.reduce((s, f) => s + f.elements, 0)).to.be.at.least(n * m);
    expect(functions[0].minBytes).to.be.below(V8_MAX_WASM_FUNCTION_SIZE / 2);
    expect(tooLargeBeforeCompiling("wide", q, source)).to.equal(undefined);
  });
});

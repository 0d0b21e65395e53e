// ONNX RNN, LSTM and GRU unrolled into dense / add / product / Sigmoid / Tanh ops: the float graph
// agrees with onnxruntime (both layouts, both GRU forms, Y and Y_h), the circuit equals the
// integer evaluator, unsupported forms fail with the node; and the reference forecasters
// (models/train_rnn.py, exported by PyTorch with its Shape / Expand initial state) meet their
// target under the default search.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ort from "onnxruntime-node";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";
import { emitCircuit } from "../../../prover/circuit/emit.js";
import { loadDataSet } from "../../../prover/data/dataset.js";
import { searchQuantization } from "../../../prover/engine/bit-search.js";
import { evaluateInteger, quantizeInput } from "../../../prover/engine/evaluate.js";
import { quantize } from "../../../prover/engine/fixed-point.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { UnsupportedOperatorError } from "../../../prover/errors.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { buildModel, randomFloats, type NodeSpec } from "../../helpers/onnx-builder.js";
import { testCircuit, withoutPoseidon } from "../../helpers/test-circuit.js";

interface Cell {
  op: "LSTM" | "GRU" | "RNN";
  seq: number;
  input: number;
  hidden: number;
  batch: number;
  layout?: 0 | 1;
  lbr?: 0 | 1;
  /** Which output the graph returns: Y (all steps) or Y_h (the last). */
  output: "Y" | "Y_h";
  attrs?: NodeSpec["attrs"];
  initialH?: number[];
}

function cellModel(c: Cell): Uint8Array {
  const g = c.op === "LSTM" ? 4 : c.op === "GRU" ? 3 : 1;
  const xDims = c.layout === 1 ? [c.batch, c.seq, c.input] : [c.seq, c.batch, c.input];
  const yDims =
    c.output === "Y"
      ? c.layout === 1
        ? [c.batch, c.seq, 1, c.hidden]
        : [c.seq, 1, c.batch, c.hidden]
      : c.layout === 1
        ? [c.batch, 1, c.hidden]
        : [1, c.batch, c.hidden];
  const outputs = c.output === "Y" ? ["y"] : ["", "y"];
  const inputs = ["x", "W", "R", "B", ...(c.initialH ? ["", "h0"] : [])];
  return buildModel({
    // layout arrived in opset 14.
    opset: c.layout ? 14 : 13,
    input: { name: "x", dims: xDims },
    output: { name: "y", dims: yDims },
    nodes: [
      {
        op: c.op,
        name: "cell",
        inputs,
        outputs,
        attrs: {
          hidden_size: c.hidden,
          ...(c.layout ? { layout: c.layout } : {}),
          ...(c.lbr ? { linear_before_reset: c.lbr } : {}),
          ...c.attrs,
        },
      },
    ],
    initializers: {
      W: { dims: [1, g * c.hidden, c.input], data: randomFloats(g * c.hidden * c.input, 3).map((v) => 0.8 * v) },
      R: { dims: [1, g * c.hidden, c.hidden], data: randomFloats(g * c.hidden * c.hidden, 5).map((v) => 0.8 * v) },
      B: { dims: [1, 2 * g * c.hidden], data: randomFloats(2 * g * c.hidden, 7).map((v) => 0.3 * v) },
      ...(c.initialH ? { h0: { dims: [1, c.batch, c.hidden], data: c.initialH } } : {}),
    },
  });
}

const inputsFor = (c: Cell, n: number, seed: number) =>
  Array.from({ length: n }, (_, s) => randomFloats(c.seq * c.batch * c.input, seed + s).map((v) => 2 * v));

/**
 * onnxruntime's output. It runs only layout 0: a layout-1 cell is checked against the same
 * weights at layout 0 on the transposed input (Y transposed back; Y_h has the same order).
 */
async function ortRun(c: Cell, xs: number[][]): Promise<number[][]> {
  const s = await ort.InferenceSession.create(cellModel({ ...c, layout: 0 }));
  const { seq: S, batch: B, input: I, hidden: H } = c;
  const out: number[][] = [];
  for (const x of xs) {
    const x0 =
      c.layout === 1 ? x.map((_, k) => x[(Math.floor(k / I) % B) * S * I + Math.floor(k / (B * I)) * I + (k % I)]) : x;
    const r = await s.run({ x: new ort.Tensor("float32", Float32Array.from(x0), [S, B, I]) }, ["y"]);
    const y = Array.from(r.y.data as Float32Array);
    // Y at layout 0 is [S, 1, B, H]; at layout 1 [B, S, 1, H].
    const y1 = (k: number) => y[(Math.floor(k / H) % S) * B * H + Math.floor(k / (S * H)) * H + (k % H)];
    out.push(c.layout === 1 && c.output === "Y" ? y.map((_, k) => y1(k)) : y);
  }
  await s.release();
  return out;
}

describe("onnx: RNN, LSTM and GRU, unrolled", function () {
  const cells: Cell[] = [
    { op: "LSTM", seq: 5, input: 2, hidden: 3, batch: 1, output: "Y" },
    { op: "LSTM", seq: 4, input: 2, hidden: 3, batch: 2, layout: 1, output: "Y_h" },
    { op: "LSTM", seq: 3, input: 2, hidden: 2, batch: 2, layout: 1, output: "Y" },
    { op: "GRU", seq: 5, input: 2, hidden: 3, batch: 1, output: "Y" },
    { op: "GRU", seq: 4, input: 2, hidden: 3, batch: 2, lbr: 1, layout: 1, output: "Y_h" },
    { op: "GRU", seq: 3, input: 1, hidden: 2, batch: 1, lbr: 1, output: "Y_h", initialH: [0, 0] },
    { op: "RNN", seq: 6, input: 2, hidden: 3, batch: 1, output: "Y" },
    { op: "RNN", seq: 4, input: 2, hidden: 3, batch: 2, output: "Y_h", attrs: { activations: { strings: ["Relu"] } } },
  ];
  for (const c of cells) {
    const lbr = c.lbr ? ", linear_before_reset" : "";
    const what = `${c.op} seq ${c.seq}, batch ${c.batch}, layout ${c.layout ?? 0}${lbr}, ${c.output}`;
    it(`${what}: onnxruntime's values; quantized within 5% of the output scale`, async () => {
      const bytes = cellModel(c);
      const g = normalize(parseModel(bytes));
      const xs = inputsFor(c, 12, 100);
      const want = await ortRun(c, xs);
      const q = quantize(g, inputsFor(c, 32, 500));
      const scale = Math.max(...want.flat().map(Math.abs));
      xs.forEach((x, i) => {
        const f = evaluateFloat(g, x);
        f.forEach((v, k) => expect(Math.abs(v - want[i][k]), `float ${v} vs ${want[i][k]}`).to.be.below(1e-5));
        const got = evaluateInteger(q, x).dequantized;
        got.forEach((v, k) => expect(Math.abs(v - f[k]), `quantized ${v} vs ${f[k]}`).to.be.below(0.05 * scale));
      });
    });
  }

  it("the circuit equals the integer evaluator (GRU with linear_before_reset, LSTM, RNN with Relu)", async () => {
    for (const c of [cells[4], { ...cells[0], seq: 2, hidden: 2, output: "Y_h" as const }, cells[7]]) {
      const g = normalize(parseModel(cellModel(c)));
      const q = quantize(g, inputsFor(c, 16, 700));
      const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
      for (const x of inputsFor(c, 2, 900)) {
        const w = await circuit.witness({ x: Array.from(quantizeInput(q, x).values, BigInt), salt: 3n, binding: 4n });
        expect(circuit.check(w).ok).to.equal(true);
        const last = q.layers[q.output.layer];
        const values = evaluateInteger(q, x).logits;
        // The output layer's values in the witness (h<k>), where --O2 kept them.
        const name = `main.h${q.output.layer}`;
        for (let i = 0; i < last.outMin.length; i++) {
          if (circuit.present(`${name}[${i}]`)) expect(circuit.signal(w, `${name}[${i}]`)).to.equal(values[i]);
        }
      }
    }
  });

  it("fails with the node on forms it does not unroll", () => {
    const base: Cell = { op: "LSTM", seq: 3, input: 1, hidden: 2, batch: 1, output: "Y_h" };
    const cases: [Cell, RegExp][] = [
      [{ ...base, attrs: { direction: { string: "bidirectional" } } }, /LSTM \(node "cell".*direction bidirectional/],
      [{ ...base, op: "GRU", initialH: [0.5, 0] }, /GRU \(node "cell".*a nonzero initial_h/],
      [{ ...base, attrs: { activations: { strings: ["Relu", "Tanh", "Tanh"] } } }, /activations Relu, Tanh, Tanh/],
      [{ ...base, attrs: { clip: { float: 3 } } }, /LSTM \(node "cell".*clip/],
      [
        { ...base, op: "RNN", attrs: { activations: { strings: ["Sigmoid"] } } },
        /RNN \(node "cell".*activations Sigmoid/,
      ],
    ];
    for (const [c, re] of cases) {
      expect(() => normalize(parseModel(cellModel(c)))).to.throw(UnsupportedOperatorError, re);
    }
  });
});

describe("reference forecasters (models/train_rnn.py)", function () {
  for (const name of ["price-lstm-32-16", "price-gru-32-16"]) {
    it(`${name}: onnxruntime's forecast; the default search meets it within 2% on the held-out windows`, async () => {
      const bytes = readFileSync(path.join(PROJECT_ROOT, "models", `${name}.onnx`));
      const g = normalize(parseModel(bytes));
      const d = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `price-${split}.json`));
      const [calib, test] = [d("calib"), d("test")];
      const search = searchQuantization(g, calib.xs);
      expect(search.met).to.equal(true);
      const s = await ort.InferenceSession.create(bytes);
      for (const x of test.xs.slice(0, 100)) {
        const r = await s.run({ input: new ort.Tensor("float32", Float32Array.from(x), [1, 32, 1]) }, ["price"]);
        const want = Number(r.price.data[0]);
        expect(Math.abs(evaluateFloat(g, x)[0] - want)).to.be.below(1e-5);
        expect(Math.abs(evaluateInteger(search.model, x).dequantized[0] - want) / Math.abs(want)).to.be.below(0.02);
      }
      await s.release();
    });
  }
});

import { expect } from "chai";
import { ShapeMismatchError } from "../../../prover/errors.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { loadModel, normalize } from "../../../prover/onnx/index.js";
import {
  evaluateInteger,
  evaluateLayers,
  evaluateQuantizedInts,
  quantizeInput,
} from "../../../prover/engine/evaluate.js";
import { quantize, signedBits } from "../../../prover/engine/fixed-point.js";
import { loadDigits, modelPath } from "../../helpers/data.js";

const MODELS = [
  ["digits-mlp-64-32-10", 8],
  ["mlp-196-25-10", 14],
  ["mlp-196-24-14-10", 14],
  ["mlp-784-56-10", 28],
  ["lenet-28-6-16-10", 28],
  ["lenet-28-6-16-120-84-10", 28],
  ["cnn-14-5-11-80-10", 14],
] as const;

describe("quantize: fixed point and the integer evaluator", () => {
  for (const [name, res] of MODELS) {
    it(`${name}: argmax agrees with the float model on >= 99.5% of held-out inputs`, () => {
      const g = normalize(loadModel(modelPath(name)));
      const q = quantize(g, loadDigits(res, "calib").xs);
      const test = loadDigits(res, "test");
      let agree = 0;
      let maxErr = 0;
      for (const x of test.xs) {
        const f = evaluateFloat(g, x);
        const r = evaluateInteger(q, x);
        if (f.indexOf(Math.max(...f)) === r.label) agree++;
        for (let j = 0; j < f.length; j++) maxErr = Math.max(maxErr, Math.abs(f[j] - r.dequantized[j]));
      }
      expect(agree / test.xs.length).to.be.at.least(0.995);
      // Logits span about +-30; the output scale leaves an error well under one logit.
      expect(maxErr).to.be.below(1);
    });
  }

  it("static bounds hold at the corners of the input range (all-min, all-max, alternating)", () => {
    const g = normalize(loadModel(modelPath("mlp-196-24-14-10")));
    const q = quantize(g, loadDigits(14, "calib").xs);
    const n = 196;
    const corners = [
      new Float64Array(n).fill(q.input.min),
      new Float64Array(n).fill(q.input.max),
      Float64Array.from({ length: n }, (_, i) => (i % 2 ? q.input.max : q.input.min)),
    ];
    for (const c of corners) {
      // Throws IntRangeError if a quotient left its compiled width.
      const out = evaluateQuantizedInts(q, c);
      out.forEach((v) => expect(signedBits(v, v)).to.be.at.most(q.layers[q.layers.length - 1].bits));
    }
    // And the widths are tight: each layer's bound is reached by its own bound computation.
    for (const l of q.layers)
      expect(signedBits(Math.min(...l.outMin, 0), Math.max(...l.outMax, 0))).to.be.at.most(l.bits);
  });

  it("LeNet: static bounds hold at the corners of the input range; pooling runs on raw accumulators", () => {
    const g = normalize(loadModel(modelPath("lenet-28-6-16-10")));
    const q = quantize(g, loadDigits(28, "calib").xs);
    expect(q.layers.map((l) => `${l.kind}:${l.act?.kind ?? "raw"}`)).to.deep.equal([
      "conv:raw",
      "maxpool:relu",
      "conv:raw",
      "maxpool:relu",
      "dense:rescale",
    ]);
    for (const c of [
      new Float64Array(784).fill(q.input.min),
      new Float64Array(784).fill(q.input.max),
      Float64Array.from({ length: 784 }, (_, i) => (i % 3 ? q.input.max : q.input.min)),
    ]) {
      const outs = evaluateLayers(q, c); // throws IntRangeError if a quotient left its width
      outs.forEach((o, k) =>
        o.forEach((v, j) =>
          expect(v >= q.layers[k].outMin[j] && v <= q.layers[k].outMax[j], `layer ${k} element ${j}`).to.equal(true),
        ),
      );
    }
  });

  it("clamps out-of-range inputs and counts them; rejects a wrong input length", () => {
    const g = normalize(loadModel(modelPath("digits-mlp-64-32-10")));
    const q = quantize(g, loadDigits(8, "calib").xs);
    const x = new Array(64).fill(0.5);
    x[0] = 100;
    x[1] = -3;
    const { values, clamped } = quantizeInput(q, x);
    expect(clamped).to.equal(2);
    expect(values[0]).to.equal(q.input.max);
    expect(values[1]).to.equal(q.input.min);
    expect(values[2]).to.equal(Math.round(0.5 * 2 ** q.input.frac));
    expect(() => evaluateInteger(q, x.slice(1))).to.throw(ShapeMismatchError, "expected shape [1, 64], got [63]");
  });

  it("signedBits gives the smallest signed width", () => {
    expect(signedBits(0, 0)).to.equal(1);
    expect(signedBits(-1, 0)).to.equal(1);
    expect(signedBits(0, 1)).to.equal(2);
    expect(signedBits(-128, 127)).to.equal(8);
    expect(signedBits(-129, 127)).to.equal(9);
    expect(signedBits(-128, 128)).to.equal(9);
  });
});

describe("quantize: fidelity against onnxruntime", () => {
  it("measures agreement and error against the float model run by onnxruntime (softmax head)", async () => {
    const { measureFidelity } = await import("../../../prover/engine/fidelity.js");
    const g = normalize(loadModel(modelPath("digits-mlp-64-32-10-softmax")));
    const q = quantize(g, loadDigits(8, "calib").xs);
    const test = loadDigits(8, "test");
    const f = await measureFidelity(modelPath("digits-mlp-64-32-10-softmax"), q, test.xs, test.labels);
    expect(f.samples).to.equal(360);
    expect(f.argmaxAgreement).to.be.at.least(0.995);
    expect(f.maxAbsError).to.be.greaterThan(0).and.below(0.2); // probabilities
    expect(Math.abs(f.floatAccuracy! - 0.972)).to.be.below(0.01);
  });
});

describe("quantize: a-priori error bound", () => {
  it("holds on every held-out input and on random inputs in range (float vs dequantized logits)", () => {
    for (const [name, res] of MODELS) {
      const g = normalize(loadModel(modelPath(name)));
      const q = quantize(g, loadDigits(res, "calib").xs);
      const xs = [
        ...loadDigits(res, "test").xs,
        ...Array.from({ length: 20 }, (_, s) =>
          Array.from({ length: res * res }, (_, i) => ((i * 7919 + s * 104729) % 1000) / 1000),
        ),
      ];
      let worst = 0;
      for (const x of xs) {
        const f = evaluateFloat(g, x);
        const r = evaluateInteger(q, x);
        for (let j = 0; j < f.length; j++) worst = Math.max(worst, Math.abs(f[j] - r.dequantized[j]));
      }
      expect(worst, name).to.be.at.most(q.output.errorBound);
      expect(Number.isFinite(q.output.errorBound), name).to.equal(true);
    }
  });
});

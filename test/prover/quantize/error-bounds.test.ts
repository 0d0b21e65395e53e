// The quantizer's a-priori error bounds (docs/quantization.md) against measured error, layer by
// layer. For small models of every layer kind: quantize, then run the float graph (float64, every
// intermediate tensor) and the integer evaluator on a few hundred inputs, and check for every
// layer that max |float - dequantized| <= the layer's errorBound, and the model output against
// onnxruntime too. Inputs: random in the calibration box, random over the whole valid input range
// (what the bound covers: every input the quantizer does not clamp), the corners of the
// calibration box, and inputs built to reach the first layer's worst case. Each case also has a
// layer whose measured error is more than half its bound, so a bound half as large fails here.
//
// ERROR_BOUNDS_REPORT=1 prints measured / bound per layer kind (quoted in docs/quantization.md).
import { expect } from "chai";
import ort from "onnxruntime-node";
import { evaluateFloatTrace } from "../../../prover/engine/float-eval.js";
import { argmaxAlong, softmaxAlong } from "../../../prover/model/head.js";
import type { ClipOp, FloatGraph } from "../../../prover/model/float-graph.js";
import { floatKindOf } from "../../../prover/kinds/index.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { quantizeActivation } from "../../../prover/quantize/activation.js";
import { evaluateLayer, evaluateLayers, quantizeInput } from "../../../prover/engine/evaluate.js";
import { type QuantizeOptions, quantizeTraced } from "../../../prover/engine/fixed-point.js";
import type { QuantizedLayer, QuantizedModel } from "../../../prover/quantize/quantized-model.js";
import { randomFloats } from "../../helpers/onnx-builder.js";
import { caseModel, numel, OP_CASES, type OpCase } from "../../helpers/onnx-cases.js";

const W = (n: number, seed: number) => randomFloats(n, seed);

interface BoundCase extends OpCase {
  pooling?: QuantizeOptions["pooling"];
  /** Calibration inputs in [0, 2) (an unsigned input) instead of [-2, 2). */
  unsigned?: boolean;
}

/** Cases beyond the shared operator cases: one layer kind each, fused activations, pooling placement, heads. */
const CASES: BoundCase[] = [
  {
    name: "Gemm 12 -> 8 with bias",
    inDims: [1, 12],
    outDims: [1, 8],
    nodes: [{ op: "Gemm", inputs: ["x", "B", "C"], outputs: ["y"], attrs: { transB: 1 } }],
    init: { B: { dims: [8, 12], data: W(96, 61) }, C: { dims: [8], data: W(8, 62) } },
  },
  {
    name: "Gemm -> ReLU -> Gemm -> ReLU -> Gemm (an MLP)",
    inDims: [1, 10],
    outDims: [1, 4],
    nodes: [
      { op: "Gemm", inputs: ["x", "A", "a"], outputs: ["g1"], attrs: { transB: 1 } },
      { op: "Relu", inputs: ["g1"], outputs: ["r1"] },
      { op: "Gemm", inputs: ["r1", "B", "b"], outputs: ["g2"], attrs: { transB: 1 } },
      { op: "Relu", inputs: ["g2"], outputs: ["r2"] },
      { op: "Gemm", inputs: ["r2", "C"], outputs: ["y"], attrs: { transB: 1 } },
    ],
    init: {
      A: { dims: [16, 10], data: W(160, 63) },
      a: { dims: [16], data: W(16, 64) },
      B: { dims: [8, 16], data: W(128, 65) },
      b: { dims: [8], data: W(8, 66) },
      C: { dims: [4, 8], data: W(32, 67) },
    },
  },
  {
    name: "Conv 3x3 on an unsigned input (calibration in [0, 2))",
    inDims: [1, 2, 6, 6],
    outDims: [1, 3, 4, 4],
    nodes: [{ op: "Conv", inputs: ["x", "W", "B"], outputs: ["y"], attrs: { kernel_shape: [3, 3] } }],
    init: { W: { dims: [3, 2, 3, 3], data: W(54, 68) }, B: { dims: [3], data: [0.2, -0.1, 0.05] } },
    unsigned: true,
  },
  ...(["raw", "rescaled"] as const).map((pooling): BoundCase => ({
    name: `Conv -> ReLU -> MaxPool 2x2, pool placed ${pooling === "raw" ? "before" : "after"} the rescale`,
    inDims: [1, 1, 8, 8],
    outDims: [1, 3, 3, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: [3, 3] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", inputs: ["r"], outputs: ["y"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    ],
    init: { W: { dims: [3, 1, 3, 3], data: W(27, 21) } },
    pooling,
  })),
  {
    name: "Conv -> PRelu (a positive slope per channel) -> MaxPool 2x2",
    inDims: [1, 1, 8, 8],
    outDims: [1, 3, 3, 3],
    nodes: [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: [3, 3] } },
      { op: "PRelu", inputs: ["c", "s"], outputs: ["p"] },
      { op: "MaxPool", inputs: ["p"], outputs: ["y"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    ],
    init: { W: { dims: [3, 1, 3, 3], data: W(27, 21) }, s: { dims: [3, 1, 1], data: [0.1, 0.5, 0.25] } },
  },
  {
    name: "Gemm -> Clip (Relu6), Gemm -> LeakyRelu, Add (a DAG)",
    inDims: [1, 8],
    outDims: [1, 6],
    nodes: [
      { op: "Gemm", inputs: ["x", "A"], outputs: ["a"], attrs: { transB: 1 } },
      { op: "Clip", inputs: ["a", "lo", "hi"], outputs: ["c"] },
      { op: "Gemm", inputs: ["x", "B"], outputs: ["b"], attrs: { transB: 1 } },
      { op: "LeakyRelu", inputs: ["b"], outputs: ["l"], attrs: { alpha: { float: 0.1 } } },
      { op: "Add", inputs: ["c", "l"], outputs: ["y"] },
    ],
    init: {
      A: { dims: [6, 8], data: W(48, 69).map((v) => 3 * v) },
      B: { dims: [6, 8], data: W(48, 70) },
      lo: { dims: [], data: [0] },
      hi: { dims: [], data: [6] },
    },
  },
  {
    name: "Gemm -> Sigmoid (piecewise linear on the accumulator)",
    inDims: [1, 6],
    outDims: [1, 5],
    nodes: [
      { op: "Gemm", inputs: ["x", "A"], outputs: ["a"], attrs: { transB: 1 } },
      { op: "Sigmoid", inputs: ["a"], outputs: ["y"] },
    ],
    init: { A: { dims: [5, 6], data: W(30, 71).map((v) => 0.5 * v) } },
  },
  {
    name: "Tanh on the input",
    inDims: [2, 8],
    outDims: [2, 8],
    nodes: [{ op: "Tanh", inputs: ["x"], outputs: ["y"] }],
  },
  {
    name: "Gemm -> Softmax head (probabilities off-circuit)",
    inDims: [1, 6],
    outDims: [1, 4],
    nodes: [
      { op: "Gemm", inputs: ["x", "A"], outputs: ["a"], attrs: { transB: 1 } },
      { op: "Softmax", inputs: ["a"], outputs: ["y"] },
    ],
    init: { A: { dims: [4, 6], data: W(24, 72) } },
  },
  {
    name: "Gemm -> ArgMax head",
    inDims: [1, 6],
    outDims: [1, 1],
    nodes: [
      { op: "Gemm", inputs: ["x", "A"], outputs: ["a"], attrs: { transB: 1 } },
      { op: "ArgMax", inputs: ["a"], outputs: ["y"], attrs: { axis: 1 } },
    ],
    init: { A: { dims: [4, 6], data: W(24, 73) } },
    outType: "int64",
  },
];

/** Linear cores the worst-case inputs are built for (when they read the model input). */
const LINEAR = new Set<QuantizedLayer["kind"]>(["dense", "conv", "avgpool", "affine"]);

/** Fractional bits of a linear core's raw output reading the input at 2^-inFrac. */
function coreFrac(layer: QuantizedLayer, inFrac: number): number {
  switch (layer.kind) {
    case "dense":
    case "conv":
      return inFrac + layer.wFrac;
    case "avgpool":
      return inFrac + layer.multFrac;
    case "affine":
      return inFrac + layer.mulFrac;
    default:
      throw new Error(`not a linear core: ${layer.kind}`);
  }
}

/**
 * Inputs that drive the first layer's error towards its bound, when it is a linear core on the
 * model input: for an output j, every input element sits at an end of the input range on the side
 * where the weight's rounding error adds up, plus just under half a step in the direction of the
 * float weight (so the input's rounding error adds up too), all signed like the bias's rounding.
 */
function worstCaseInputs(g: FloatGraph, q: QuantizedModel): number[][] {
  const layer = q.layers[0];
  if (!layer || layer.inputs[0] !== -1 || !LINEAR.has(layer.kind) || g.ops[0].kind !== layer.kind) return [];
  const n = numel(q.input.shape);
  const step = 2 ** -q.input.frac;
  const scale = 2 ** -coreFrac(layer, q.input.frac);
  const core = { ...layer, act: undefined } as QuantizedLayer;
  const floatCore = (x: Float64Array) => floatKindOf(g.ops[0]).evalFloat(g.ops[0], [x]);
  const intCore = (x: Float64Array) => evaluateLayer(core, [x], "worst case");
  const zeroF = floatCore(new Float64Array(n));
  const zeroI = intCore(new Float64Array(n));
  const unit = (i: number, v: number) => Float64Array.from({ length: n }, (_, k) => (k === i ? v : 0));
  // cf[i][j]: float output j per integer step of input i; cw[i][j]: its weight rounding error.
  const cf = Array.from({ length: n }, (_, i) => floatCore(unit(i, step)).map((v, j) => v - zeroF[j]));
  const cw = cf.map((row, i) => {
    const ints = intCore(unit(i, 1));
    return row.map((v, j) => v - (ints[j] - zeroI[j]) * scale);
  });
  const biasErr = zeroF.map((v, j) => v - zeroI[j] * scale);
  const top = Math.max(Math.abs(q.input.min), q.input.max);
  const reach = Array.from(zeroF, (_, j) =>
    cf.reduce((s, row, i) => s + Math.abs(row[j]) / 2 + Math.abs(cw[i][j]) * top, Math.abs(biasErr[j])),
  );
  const outputs = reach
    .map((r, j) => [r, j])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 4)
    .map(([, j]) => j);
  const xs: number[][] = [];
  for (const j of outputs) {
    for (const sign of [1, -1]) {
      for (const frac of [0.499, 0.4]) {
        const s = sign * (Math.sign(biasErr[j]) || 1);
        xs.push(
          cf.map((row, i) => {
            const up = s * (Math.sign(cw[i][j]) || Math.sign(row[j]) || 1) > 0;
            return ((up ? q.input.max : q.input.min) + s * Math.sign(row[j]) * frac) * step;
          }),
        );
      }
    }
  }
  return xs;
}

/** The test inputs: random in the calibration box, random in the valid input range, box corners, worst cases. */
function testInputs(g: FloatGraph, q: QuantizedModel, n: number, calMax: number, unsigned: boolean): number[][] {
  const lo = unsigned ? 0 : -calMax;
  const inCal = Array.from({ length: 150 }, (_, s) =>
    randomFloats(n, 1000 + s).map((v) => lo + ((v + 1) / 2) * (calMax - lo)),
  );
  // Every x with round(x 2^frac) in [min, max] is quantized without clamping.
  const vmin = (q.input.min - 0.499) * 2 ** -q.input.frac;
  const vmax = (q.input.max + 0.499) * 2 ** -q.input.frac;
  const inRange = Array.from({ length: 100 }, (_, s) =>
    randomFloats(n, 2000 + s).map((v) => vmin + ((v + 1) / 2) * (vmax - vmin)),
  );
  const corners = Array.from({ length: 50 }, (_, s) => randomFloats(n, 3000 + s).map((v) => (v < 0 ? lo : calMax)));
  return [...inCal, ...inRange, ...corners, ...worstCaseInputs(g, q)];
}

interface LayerMeasure {
  kind: string;
  /** Layers on the longest path from the model input to this one (1: reads the input). */
  depth: number;
  bound: number;
  measured: number;
}

interface CaseMeasure {
  q: QuantizedModel;
  layers: LayerMeasure[];
  inputs: number[][];
  /** The integer model's output per input, dequantized, and the float graph's. */
  outputs: number[][];
  floats: number[][];
}

/** Runs the float graph and the integer model on every test input; the largest error per layer. */
function measure(c: BoundCase): CaseMeasure {
  const g = normalize(parseModel(caseModel(c)));
  const n = numel(c.inDims);
  const calib = Array.from({ length: 16 }, (_, s) => randomFloats(n, 40 + s).map((v) => (c.unsigned ? v + 1 : 2 * v)));
  const calMax = Math.max(...calib.flat().map(Math.abs));
  const { model: q, tensors } = quantizeTraced(g, calib, undefined, { pooling: c.pooling ?? "auto" });
  const inputs = testInputs(g, q, n, calMax, c.unsigned ?? false);
  const worst = q.layers.map(() => 0);
  const outputs: number[][] = [];
  const floats: number[][] = [];
  for (const x of inputs) {
    const { values, clamped } = quantizeInput(q, x);
    expect(clamped, "the bound covers inputs that need no clamping").to.equal(0);
    const ints = evaluateLayers(q, values);
    const trace = evaluateFloatTrace(g, x);
    ints.forEach((out, k) => {
      const f = trace.get(tensors[k])!;
      const scale = 2 ** -q.layers[k].out.frac;
      for (let j = 0; j < out.length; j++) worst[k] = Math.max(worst[k], Math.abs(f[j] - out[j] * scale));
    });
    const out = q.output.layer < 0 ? values : ints[q.output.layer];
    outputs.push(Array.from(out, (v) => v * 2 ** -q.output.frac));
    floats.push(Array.from(trace.get(g.output.name)!));
  }
  const depth: number[] = [];
  const layers = q.layers.map((l, k) => ({
    kind: `${l.kind}${l.act ? `+${l.act.kind === "pwl" ? l.act.pwl.fn : l.act.kind}` : ""}`,
    depth: (depth[k] = 1 + Math.max(0, ...l.inputs.map((i) => (i < 0 ? 0 : depth[i])))),
    bound: l.errorBound,
    measured: worst[k],
  }));
  return { q, layers, inputs, outputs, floats };
}

/** float64 evaluation noise allowed on top of a bound. */
const slack = (bound: number) => bound * 1e-9 + 1e-12;

/** The model output against onnxruntime (float32): within the output's bound (probabilities: half of it). */
async function checkAgainstOnnxRuntime(c: BoundCase, m: CaseMeasure): Promise<void> {
  const session = await ort.InferenceSession.create(caseModel(c));
  const { q } = m;
  const { axis } = q.output.headSpec;
  let labels = 0;
  try {
    for (let s = 0; s < m.inputs.length; s++) {
      const res = await session.run({ x: new ort.Tensor("float32", Float32Array.from(m.inputs[s]), c.inDims) });
      const want = Array.from(res[session.outputNames[0]].data as Float32Array | BigInt64Array, Number);
      const got = m.outputs[s];
      if (q.output.head === "argmax") {
        // The label is exact on integers; it is the float label wherever the top two float values
        // are more than twice the bound apart (one group: the ArgMax case has one row).
        const [first, second] = [...m.floats[s]].sort((a, b) => b - a);
        if (first - second <= 2 * q.output.errorBound) continue;
        expect(argmaxAlong(got, q.output.valueShape, axis)[0], `input ${s} label`).to.equal(want[0]);
        labels++;
        continue;
      }
      // Softmax is 1/2-Lipschitz in the max norm.
      const probs = q.output.head === "softmax" ? softmaxAlong(got, q.output.valueShape, axis) : got;
      const bound = q.output.head === "softmax" ? q.output.errorBound / 2 : q.output.errorBound;
      for (let j = 0; j < want.length; j++)
        expect(Math.abs(probs[j] - want[j]), `input ${s} element ${j}`).to.be.at.most(
          bound + 1e-5 * Math.max(1, Math.abs(want[j])),
        );
    }
  } finally {
    await session.release();
  }
  if (q.output.head === "argmax") expect(labels, "labels compared").to.be.greaterThan(m.inputs.length / 2);
}

const report = new Map<string, number[]>();

describe("quantize: a-priori error bounds vs measured error, per layer", () => {
  after(() => {
    if (!process.env.ERROR_BOUNDS_REPORT) return;
    const rows = [...report].sort().map(([key, r]) => {
      const sorted = [...r].sort((a, b) => a - b);
      const [min, median, max] = [0, Math.floor(sorted.length / 2), sorted.length - 1].map((i) => sorted[i].toFixed(3));
      const count = String(r.length).padStart(3);
      return `${key.padEnd(26)} ${count} layers  measured / bound: min ${min} median ${median} max ${max}`;
    });
    console.log(["", ...rows].join("\n"));
  });

  for (const c of [...OP_CASES, ...CASES]) {
    it(c.name, async () => {
      const m = measure(c);
      for (const [k, l] of m.layers.entries()) {
        expect(Number.isFinite(l.bound), `layer ${k} (${l.kind}) bound`).to.equal(true);
        expect(l.measured, `layer ${k} (${l.kind}): measured error vs its bound`).to.be.at.most(
          l.bound + slack(l.bound),
        );
        const key = `${l.kind} depth ${l.depth}`;
        report.set(key, [...(report.get(key) ?? []), l.measured / l.bound]);
      }
      // The output's bound is its layer's.
      if (m.q.output.layer >= 0) expect(m.q.output.errorBound).to.equal(m.q.layers[m.q.output.layer].errorBound);
      // Not loose everywhere: some layer comes within a factor of 2 (halving the bounds fails here).
      const tightest = Math.max(...m.layers.map((l) => l.measured / l.bound));
      expect(tightest, "largest measured / bound").to.be.greaterThan(0.5);
      await checkAgainstOnnxRuntime(c, m);
    });
  }

  it("Clip counts the rounding of a bound it drops (no value can cross it once rounded)", () => {
    // Values 0 .. 40 at 2^-4; Clip(min = 0.02) rounds its bound to 0, which no value crosses.
    const input = { frac: 4, lo: Float64Array.of(0), hi: Float64Array.of(40), err: 0 };
    const spec: ClipOp = { kind: "clip", min: 0.02, max: null, inputs: ["x"], output: "c", size: 1, nodes: ["c"] };
    const r = quantizeActivation(spec, input, 4, 10, "test");
    expect(r.act).to.deep.include({ kind: "clip", lo: null, hi: null });
    // The float Clip maps 0 to 0.02; the integer one leaves 0.
    expect(r.out.err).to.be.at.least(0.02);
  });
});

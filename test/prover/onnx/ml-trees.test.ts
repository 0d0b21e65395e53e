// The tree ensembles of ai.onnx.ml (TreeEnsembleRegressor, TreeEnsembleClassifier) in every node
// mode, aggregate and classifier form: the float graph agrees with onnxruntime, the searched
// quantization reaches the float model's leaf wherever no tested value is near a threshold (and
// gives onnxruntime's label), and the circuit's public output equals the integer evaluator's.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ort from "onnxruntime-node";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";
import { emitCircuit } from "../../../prover/circuit/emit.js";
import { outputEncoding, outputValues } from "../../../prover/circuit/encodings.js";
import { packWords } from "../../../prover/commit/tensor-commitment.js";
import { loadDataSet } from "../../../prover/data/dataset.js";
import { searchQuantization } from "../../../prover/engine/bit-search.js";
import { describeLabels, evaluateInteger, quantizeInput } from "../../../prover/engine/evaluate.js";
import { evaluateFloat } from "../../../prover/engine/float-eval.js";
import { treePaths } from "../../../prover/engine/tree-paths.js";
import { UnsupportedOperatorError } from "../../../prover/errors.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { buildModel, randomFloats, type NodeSpec } from "../../helpers/onnx-builder.js";
import { testCircuit, withoutPoseidon } from "../../helpers/test-circuit.js";

const C = 4;
/** Features of different scales, as raw tabular data has them. */
const SCALES = [1, 100, 0.01, 5];
const rows = (n: number, seed: number) =>
  Array.from({ length: n }, (_, s) => randomFloats(C, seed + s).map((v, f) => Math.fround(v * SCALES[f])));

interface TreeSpec {
  trees: number;
  depth: number;
  mode: string;
  /** Leaf weights: one per (leaf, id). */
  ids: number;
  weight: (r: number) => number;
  seed: number;
}

/**
 * Full binary trees numbered depth first (so ONNX node ids are not breadth-first order), tests
 * on random features at thresholds taken from data rows (cut points equal to data values, as
 * XGBoost's are) or between them.
 */
function ensembleAttrs(s: TreeSpec, prefix: "class" | "target"): NodeSpec["attrs"] {
  const nodes = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[] };
  const [values, trueIds, falseIds] = [[] as number[], [] as number[], [] as number[]];
  const leaves = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  const data = rows(64, s.seed);
  const r = randomFloats(10_000, s.seed + 1).map((v) => (v + 1) / 2);
  let k = 0;
  const next = () => r[k++ % r.length];
  for (let t = 0; t < s.trees; t++) {
    let id = 0;
    const build = (depth: number): number => {
      const me = id++;
      nodes.treeids.push(t);
      nodes.nodeids.push(me);
      const at = nodes.modes.length;
      if (depth === s.depth) {
        nodes.featureids.push(0);
        nodes.modes.push("LEAF");
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        for (let i = 0; i < s.ids; i++) {
          leaves.treeids.push(t);
          leaves.nodeids.push(me);
          leaves.ids.push(i);
          leaves.weights.push(s.weight(next()));
        }
        return me;
      }
      const f = Math.floor(next() * C);
      const row = data[Math.floor(next() * data.length)];
      nodes.featureids.push(f);
      nodes.modes.push(s.mode);
      values.push(next() < 0.5 ? row[f] : Math.fround(row[f] + SCALES[f] * 1e-3));
      trueIds.push(0);
      falseIds.push(0);
      trueIds[at] = build(depth + 1);
      falseIds[at] = build(depth + 1);
      return me;
    };
    build(0);
  }
  return {
    nodes_treeids: nodes.treeids,
    nodes_nodeids: nodes.nodeids,
    nodes_featureids: nodes.featureids,
    nodes_modes: { strings: nodes.modes },
    nodes_values: { floats: values },
    nodes_truenodeids: trueIds,
    nodes_falsenodeids: falseIds,
    [`${prefix}_treeids`]: leaves.treeids,
    [`${prefix}_nodeids`]: leaves.nodeids,
    [`${prefix}_ids`]: leaves.ids,
    [`${prefix}_weights`]: { floats: leaves.weights },
  };
}

function regressor(s: TreeSpec, extra: NodeSpec["attrs"] = {}): Uint8Array {
  return buildModel({
    input: { name: "x", dims: [1, C] },
    output: { name: "y", dims: [1, s.ids] },
    nodes: [
      {
        op: "TreeEnsembleRegressor",
        domain: "ai.onnx.ml",
        name: "trees",
        inputs: ["x"],
        outputs: ["y"],
        attrs: { n_targets: s.ids, ...ensembleAttrs(s, "target"), ...extra },
      },
    ],
  });
}

function classifier(s: TreeSpec, labels: number, extra: NodeSpec["attrs"] = {}, labelType = "int64"): Uint8Array {
  return buildModel({
    input: { name: "x", dims: [1, C] },
    output: { name: "label", dims: [1], type: labelType as "int64" | "string" },
    moreOutputs: [{ name: "scores", dims: [1, labels] }],
    nodes: [
      {
        op: "TreeEnsembleClassifier",
        domain: "ai.onnx.ml",
        name: "trees",
        inputs: ["x"],
        outputs: ["label", "scores"],
        attrs: {
          classlabels_int64s: Array.from({ length: labels }, (_, i) => i),
          ...ensembleAttrs(s, "class"),
          ...extra,
        },
      },
    ],
  });
}

/** The same trees as TreeEnsemble (ai.onnx.ml opset 5): inner nodes and leaves in two lists. */
function ensemble5(s: TreeSpec, extra: NodeSpec["attrs"] = {}): Uint8Array {
  if (s.ids !== 1) throw new Error("one target: an opset-5 leaf adds to one");
  const a = ensembleAttrs(s, "target") as Record<string, number[] | { strings: string[] } | { floats: number[] }>;
  const [trees, ids, features] = [a.nodes_treeids, a.nodes_nodeids, a.nodes_featureids] as number[][];
  const modes = (a.nodes_modes as { strings: string[] }).strings;
  const values = (a.nodes_values as { floats: number[] }).floats;
  const [trueIds, falseIds] = [a.nodes_truenodeids, a.nodes_falsenodeids] as number[][];
  const weights = (a.target_weights as { floats: number[] }).floats;
  const at = (t: number, id: number) => trees.findIndex((tt, i) => tt === t && ids[i] === id);
  const inner = trees.map((_, i) => i).filter((i) => modes[i] !== "LEAF");
  const leaves = trees.map((_, i) => i).filter((i) => modes[i] === "LEAF");
  const ref = (i: number) => (modes[i] === "LEAF" ? [leaves.indexOf(i), 1] : [inner.indexOf(i), 0]);
  const side = (list: number[]) => inner.map((i) => ref(at(trees[i], list[i])));
  const [t, f] = [side(trueIds), side(falseIds)];
  const code = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ"];
  return buildModel({
    input: { name: "x", dims: [1, C] },
    output: { name: "y", dims: [1, 1] },
    mlOpset: 5,
    nodes: [
      {
        op: "TreeEnsemble",
        domain: "ai.onnx.ml",
        name: "trees",
        inputs: ["x"],
        outputs: ["y"],
        attrs: {
          n_targets: 1,
          nodes_featureids: inner.map((i) => features[i]),
          nodes_splits: { tensor: { dims: [inner.length], data: inner.map((i) => values[i]) } },
          nodes_modes: {
            tensor: { dims: [inner.length], data: inner.map((i) => code.indexOf(modes[i])), type: "uint8" },
          },
          nodes_truenodeids: t.map((r) => r[0]),
          nodes_trueleafs: t.map((r) => r[1]),
          nodes_falsenodeids: f.map((r) => r[0]),
          nodes_falseleafs: f.map((r) => r[1]),
          tree_roots: [...new Set(trees)].map((tree) => inner.indexOf(at(tree, 0))),
          leaf_targetids: leaves.map(() => 0),
          leaf_weights: { tensor: { dims: [leaves.length], data: leaves.map((i) => weights[leaves.indexOf(i)]) } },
          ...extra,
        },
      },
    ],
  });
}

async function ortRun(bytes: Uint8Array, xs: number[][], output: string): Promise<number[][]> {
  const s = await ort.InferenceSession.create(bytes);
  const out: number[][] = [];
  for (const x of xs) {
    const r = await s.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, C]) }, [output]);
    out.push(Array.from(r[output].data as ArrayLike<number | bigint>, Number));
  }
  await s.release();
  return out;
}

/** The searched quantization: every row clear of the thresholds reaches the float leaves; the rest are counted. */
function checkPaths(bytes: Uint8Array, xs: number[][]) {
  const g = normalize(parseModel(bytes));
  const search = searchQuantization(g, rows(64, 900));
  const q = search.model;
  for (const x of xs) {
    const p = treePaths(g, q, x)!;
    if (!p.near) expect(p.exact, `row ${x} is clear of every threshold but leaves a float path`).to.equal(true);
  }
  return { g, q, search };
}

async function circuitMatches(q: ReturnType<typeof checkPaths>["q"], xs: number[][]) {
  const circuit = await testCircuit(withoutPoseidon(emitCircuit(q, { generatedBy: "test" })));
  for (const x of xs) {
    const r = evaluateInteger(q, x);
    const w = await circuit.witness({ x: Array.from(quantizeInput(q, x).values, BigInt), salt: 1n, binding: 2n });
    expect(circuit.check(w).ok).to.equal(true);
    // The public output: the label, or the values packed into one word (checked here: both cases
    // below fit), else their hash.
    const want = packWords(outputValues(q, r), outputEncoding(q));
    expect(want.length).to.equal(1);
    expect(circuit.signal(w, "main.out")).to.equal(want[0]);
  }
}

describe("onnx: ai.onnx.ml tree ensembles", function () {
  const xs = rows(60, 5000);

  it("TreeEnsembleRegressor (BRANCH_LEQ, SUM, 2 targets, base values): onnxruntime's values; circuit ok", async () => {
    const s = { trees: 12, depth: 3, mode: "BRANCH_LEQ", ids: 2, weight: (r: number) => 4 * r - 2, seed: 11 };
    const bytes = regressor(s, { base_values: { floats: [0.5, -1] } });
    const want = await ortRun(bytes, xs, "y");
    const { g, q, search } = checkPaths(bytes, xs);
    expect(search.met).to.equal(true);
    expect(g.ops.map((o) => o.kind)).to.deep.equal(["trees"]);
    xs.forEach((x, i) => {
      const f = evaluateFloat(g, x);
      f.forEach((v, t) =>
        expect(Math.abs(v - want[i][t]) <= 1e-4, `float ${v}, onnxruntime ${want[i][t]}`).to.equal(true),
      );
      if (!treePaths(g, q, x)!.near) {
        const got = evaluateInteger(q, x).dequantized;
        got.forEach((v, t) => expect(Math.abs(v - f[t]) <= q.output.errorBound + 1e-9).to.equal(true));
      }
    });
    await circuitMatches(q, xs.slice(0, 3));
  });

  it("TreeEnsembleRegressor (BRANCH_GT, AVERAGE): onnxruntime's values", async () => {
    const s = { trees: 6, depth: 2, mode: "BRANCH_GT", ids: 1, weight: (r: number) => 10 * r, seed: 21 };
    const bytes = regressor(s, { aggregate_function: { string: "AVERAGE" } });
    const want = await ortRun(bytes, xs, "y");
    const { g, q } = checkPaths(bytes, xs);
    xs.forEach((x, i) => expect(Math.abs(evaluateFloat(g, x)[0] - want[i][0]) <= 1e-4).to.equal(true));
    // Inputs far outside the calibrated range are clamped, and clamping changes no test: the
    // range covers every threshold.
    for (const x of rows(10, 7000).map((r) => r.map((v) => 50 * v))) {
      const r = evaluateInteger(q, x);
      expect(r.clamped).to.be.greaterThan(0);
      expect(treePaths(g, q, x)!.exact).to.equal(true);
      expect(Math.abs(r.dequantized[0] - evaluateFloat(g, x)[0]) <= q.output.errorBound + 1e-9).to.equal(true);
    }
  });

  for (const [name, labels, mode, weight, extra] of [
    [
      "3 classes, BRANCH_LT, SOFTMAX",
      3,
      "BRANCH_LT",
      (r: number) => 2 * r - 1,
      { post_transform: { string: "SOFTMAX" } },
    ],
    [
      "binary margins (one score), BRANCH_GTE, LOGISTIC",
      2,
      "BRANCH_GTE",
      (r: number) => r - 0.5,
      { post_transform: { string: "LOGISTIC" }, base_values: { floats: [0.25] } },
    ],
    ["binary probabilities (weights >= 0: label 1 above 0.5), BRANCH_LEQ", 2, "BRANCH_LEQ", (r: number) => r / 8, {}],
  ] as const) {
    it(`TreeEnsembleClassifier (${name}): onnxruntime's label, float and quantized`, async () => {
      const ids = name.startsWith("binary") ? 1 : labels;
      const s = { trees: 10, depth: 3, mode, ids, weight, seed: 31 + labels };
      const bytes = classifier(s, labels, extra as NodeSpec["attrs"]);
      const want = await ortRun(bytes, xs, "label");
      const { g, q } = checkPaths(bytes, xs);
      expect(g.head).to.equal("argmax");
      const labelsOf = (v: Float64Array) => v.indexOf(Math.max(...v));
      xs.forEach((x, i) => expect(labelsOf(evaluateFloat(g, x)), `row ${i}`).to.equal(want[i][0]));
      const agree = xs.filter((x, i) => evaluateInteger(q, x).label === want[i][0]).length;
      expect(agree).to.equal(xs.length);
      if (name.startsWith("binary margins")) await circuitMatches(q, xs.slice(0, 3));
    });
  }

  it("TreeEnsemble (opset 5; BRANCH_LEQ, SUM and AVERAGE): the older regressor's values; circuit ok", async () => {
    const s = { trees: 12, depth: 3, mode: "BRANCH_LEQ", ids: 1, weight: (r: number) => 4 * r - 2, seed: 41 };
    for (const agg of [1, 0]) {
      const bytes = ensemble5(s, { aggregate_function: agg });
      const old = regressor(s, { aggregate_function: { string: agg === 1 ? "SUM" : "AVERAGE" } });
      const [want, before] = [await ortRun(bytes, xs, "y"), await ortRun(old, xs, "y")];
      want.forEach((w, i) => expect(w[0], `row ${i}: opset 5 and 3 in onnxruntime`).to.equal(before[i][0]));
      const { g, q, search } = checkPaths(bytes, xs);
      expect(search.met).to.equal(true);
      expect(g.ops.map((o) => o.kind)).to.deep.equal(["trees"]);
      xs.forEach((x, i) => expect(Math.abs(evaluateFloat(g, x)[0] - want[i][0])).to.be.below(1e-4));
      if (agg === 1) await circuitMatches(q, xs.slice(0, 2));
    }
    // Modes it does not support fail with their name, as for the older operators.
    expect(() => normalize(parseModel(ensemble5({ ...s, mode: "BRANCH_EQ" })))).to.throw(
      UnsupportedOperatorError,
      /ai\.onnx\.ml\.TreeEnsemble \(node "trees", opset 13\): node mode BRANCH_EQ \(node 0\)/,
    );
    expect(() => normalize(parseModel(ensemble5(s, { post_transform: 4 })))).to.throw(/post_transform PROBIT/);
  });

  it("fails with the node for modes and aggregates it does not support", () => {
    const s = { trees: 2, depth: 1, mode: "BRANCH_EQ", ids: 1, weight: (r: number) => r, seed: 3 };
    expect(() => normalize(parseModel(regressor(s)))).to.throw(
      UnsupportedOperatorError,
      /ai\.onnx\.ml\.TreeEnsembleRegressor \(node "trees", opset 13\): node mode BRANCH_EQ \(tree 0 node 0\)/,
    );
    const leq = { ...s, mode: "BRANCH_LEQ" };
    expect(() => normalize(parseModel(regressor(leq, { aggregate_function: { string: "MAX" } })))).to.throw(
      UnsupportedOperatorError,
      /aggregate_function MAX/,
    );
    expect(() => normalize(parseModel(regressor(leq, { post_transform: { string: "PROBIT" } })))).to.throw(
      UnsupportedOperatorError,
      /post_transform PROBIT/,
    );
  });

  for (const [what, labels, type] of [
    ["string class labels", { classlabels_strings: { strings: ["low", "mid", "high"] } }, "string"],
    ["integer class labels other than 0..n-1", { classlabels_int64s: [0, 2, 5] }, "int64"],
  ] as const) {
    it(`TreeEnsembleClassifier with ${what}: the proven index names onnxruntime's class`, async () => {
      const s = { trees: 8, depth: 3, mode: "BRANCH_LEQ", ids: 3, weight: (r: number) => 2 * r - 1, seed: 51 };
      const attrs = { classlabels_int64s: undefined, ...labels } as unknown as NodeSpec["attrs"];
      const bytes = classifier(s, 3, attrs, type);
      const g = normalize(parseModel(bytes));
      const q = searchQuantization(g, rows(64, 900)).model;
      const session = await ort.InferenceSession.create(bytes);
      for (const x of xs.slice(0, 20)) {
        const r = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, C]) }, ["label"]);
        const want = r.label.data[0];
        const got = evaluateInteger(q, x);
        const name = typeof want === "bigint" ? Number(want) : want;
        expect(got.classes, `row ${x}`).to.deep.equal([name]);
        expect(describeLabels(got.labels, got.classes)).to.equal(`label ${got.label} (${name})`);
      }
      await session.release();
    });
  }
});

describe("reference tree ensembles (models/train_trees.py)", function () {
  for (const [name, data, output] of [
    ["breast-cancer-xgb", "breast-cancer", "label"],
    ["diabetes-gbr", "diabetes", "progression"],
  ] as const) {
    it(`${name}: the default search meets its target; onnxruntime's ${output} on the held-out split`, async () => {
      const file = path.join(PROJECT_ROOT, "models", `${name}.onnx`);
      const bytes = readFileSync(file);
      const g = normalize(parseModel(bytes));
      const d = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `${data}-${split}.json`));
      const [calib, test] = [d("calib"), d("test")];
      const search = searchQuantization(g, calib.xs);
      expect(search.met, JSON.stringify(search.tried.map((t) => [t.config.inputBits, t.agreement]))).to.equal(true);
      const q = search.model;
      const s = await ort.InferenceSession.create(bytes);
      for (const x of test.xs) {
        const r = await s.run({ input: new ort.Tensor("float32", Float32Array.from(x), [1, x.length]) }, [output]);
        const want = Number(r[output].data[0]);
        const got = evaluateInteger(q, x);
        if (output === "label") expect(got.label).to.equal(want);
        else expect(Math.abs(got.dequantized[0] - want) / Math.abs(want)).to.be.below(0.02);
      }
      await s.release();
      if (name === "breast-cancer-xgb") await circuitMatches(q, test.xs.slice(0, 2));
    });
  }
});

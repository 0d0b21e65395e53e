// The classical reference models: a logistic regression on the 30 breast-cancer features and a
// linear regression on the 10 diabetes features (models/train_linear.py), an XGBoost classifier
// (100 trees of depth 5) and a scikit-learn gradient-boosted regressor (100 trees of depth 3) on
// the same data (models/train_trees.py), as ai.onnx.ml graphs. For each, at several quantization
// settings: fidelity against onnxruntime on the held-out split (label agreement for the
// classifiers; largest absolute and relative error for the regressions, in the target's units),
// for the tree ensembles the held-out rows with a tested value near a threshold and the rows
// whose leaves differ from the float model's, and the circuit's constraints (circom --O2, input
// commitment, output and binding included); first the setting `assay model compile` picks by
// itself (the bit-width search for 99.5% agreement on calibration, no widths given). Writes
// bench/classical.json.
//
//   npx tsx bench/classical.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { emitCircuit } from "../prover/circuit/emit.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { evaluateInteger } from "../prover/engine/evaluate.js";
import { searchQuantization } from "../prover/engine/bit-search.js";
import { measureFidelity } from "../prover/engine/fidelity.js";
import { quantize } from "../prover/engine/fixed-point.js";
import { evaluateFloat } from "../prover/engine/float-eval.js";
import { treePathReport } from "../prover/engine/tree-paths.js";
import { normalize, parseModel } from "../prover/onnx/index.js";
import type { QuantizationConfig } from "../prover/quantize/quantized-model.js";
import { compileCircuit } from "../prover/zk/circom.js";

const MODELS = [
  { name: "breast-cancer-logreg", data: "breast-cancer", kind: "label" },
  { name: "diabetes-linreg", data: "diabetes", kind: "value" },
  { name: "breast-cancer-xgb", data: "breast-cancer", kind: "label" },
  { name: "diabetes-gbr", data: "diabetes", kind: "value" },
] as const;
const SETTINGS: { name: string; config: QuantizationConfig }[] = [
  { name: "default", config: { inputBits: 8, weightBits: 8, activationBits: 10 } },
  { name: "12-bit input", config: { inputBits: 12, weightBits: 8, activationBits: 12 } },
  { name: "16-bit input", config: { inputBits: 16, weightBits: 8, activationBits: 12 } },
  { name: "20-bit input", config: { inputBits: 20, weightBits: 8, activationBits: 12 } },
];

/** Trees, nodes and inner nodes of the model's ensembles. */
function treeStats(g: ReturnType<typeof normalize>) {
  let [count, nodes, inner] = [0, 0, 0];
  for (const op of g.ops) {
    if (op.kind !== "trees") continue;
    count += op.roots.length;
    nodes += op.feature.length;
    inner += op.feature.filter((f) => f >= 0).length;
  }
  return { trees: count, nodes, inner };
}

const rows = [];
for (const m of MODELS) {
  const file = path.join(PROJECT_ROOT, "models", `${m.name}.onnx`);
  const g = normalize(parseModel(readFileSync(file)));
  const data = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `${m.data}-${split}.json`));
  const [calib, test] = [data("calib"), data("test")];
  const searched = searchQuantization(g, calib.xs);
  const trees = g.ops.some((o) => o.kind === "trees");
  const settings = [
    { name: "searched (default: 99.5% on calibration)", config: searched.config },
    ...SETTINGS.filter((s) => !trees || s.name === "default"),
  ];
  for (const s of settings) {
    const q = quantize(g, calib.xs, s.config);
    const f = await measureFidelity(file, q, test.xs, test.labels);
    let maxRel = 0;
    for (const x of test.xs) {
      const want = evaluateFloat(g, x);
      const got = evaluateInteger(q, x).dequantized;
      want.forEach((v, i) => (maxRel = Math.max(maxRel, Math.abs(v - got[i]) / Math.abs(v))));
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "assay-classical-"));
    writeFileSync(path.join(dir, "model.circom"), emitCircuit(q, { generatedBy: "npx tsx bench/classical.ts" }));
    const compiled = await compileCircuit({ source: path.join(dir, "model.circom"), outDir: dir, optimize: "O2" });
    rmSync(dir, { recursive: true, force: true });
    const row = {
      model: m.name,
      setting: s.name,
      ...(s === settings[0] ? { targetMet: searched.met } : {}),
      config: s.config,
      constraints: compiled.constraints,
      samples: f.samples,
      ...(m.kind === "label"
        ? { labelAgreement: f.argmaxAgreement, floatAccuracy: f.floatAccuracy, quantizedAccuracy: f.quantizedAccuracy }
        : { maxAbsError: f.maxAbsError, maxRelError: maxRel, unit: "disease progression (the target's units)" }),
      clampedInputs: f.clampedInputs,
      ...(trees ? { trees: treeStats(g), paths: treePathReport(g, q, test.xs) } : {}),
      inputFrac: q.input.frac,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const out = path.join(PROJECT_ROOT, "bench", "classical.json");
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model };
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, results: rows }, null, 2)}\n`);
console.log(`wrote ${out}`);

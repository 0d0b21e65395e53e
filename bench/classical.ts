// The classical reference models (models/train_linear.py): a logistic regression on the 30
// breast-cancer features and a linear regression on the 10 diabetes features, as ai.onnx.ml
// graphs. For each, at three quantization settings: fidelity against onnxruntime on the held-out
// split (label agreement for the classifier; largest absolute and relative error for the
// regression, in the target's units), and the circuit's constraints (circom --O2, input
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
import { normalize, parseModel } from "../prover/onnx/index.js";
import type { QuantizationConfig } from "../prover/quantize/quantized-model.js";
import { compileCircuit } from "../prover/zk/circom.js";

const MODELS = [
  { name: "breast-cancer-logreg", data: "breast-cancer", kind: "label" },
  { name: "diabetes-linreg", data: "diabetes", kind: "value" },
] as const;
const SETTINGS: { name: string; config: QuantizationConfig }[] = [
  { name: "default", config: { inputBits: 8, weightBits: 8, activationBits: 10 } },
  { name: "12-bit input", config: { inputBits: 12, weightBits: 8, activationBits: 12 } },
  { name: "16-bit input", config: { inputBits: 16, weightBits: 8, activationBits: 12 } },
  { name: "20-bit input", config: { inputBits: 20, weightBits: 8, activationBits: 12 } },
];

const rows = [];
for (const m of MODELS) {
  const file = path.join(PROJECT_ROOT, "models", `${m.name}.onnx`);
  const g = normalize(parseModel(readFileSync(file)));
  const data = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `${m.data}-${split}.json`));
  const [calib, test] = [data("calib"), data("test")];
  const searched = searchQuantization(g, calib.xs);
  const settings = [{ name: "searched (default: 99.5% on calibration)", config: searched.config }, ...SETTINGS];
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
      config: s.config,
      constraints: compiled.constraints,
      samples: f.samples,
      ...(m.kind === "label"
        ? { labelAgreement: f.argmaxAgreement, floatAccuracy: f.floatAccuracy, quantizedAccuracy: f.quantizedAccuracy }
        : { maxAbsError: f.maxAbsError, maxRelError: maxRel, unit: "disease progression (the target's units)" }),
      clampedInputs: f.clampedInputs,
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

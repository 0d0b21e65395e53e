// The bit-width search (prover/engine/bit-search.ts) on every reference model: the predicted
// constraints (engine/cost.ts) of the model-wide setting (phase 1) and after the per-layer phase,
// the evaluations each took, and the agreement with the float model on held-out inputs (labels,
// or every value within 1% of the output scale: `criterion`), which the search never sees. Writes
// bench/bit-search.json.
//
//   npx tsx bench/bit-search.ts
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { calibrationFidelity, searchQuantization } from "../prover/engine/bit-search.js";
import { evaluateFloat } from "../prover/engine/float-eval.js";
import { normalize, parseModel } from "../prover/onnx/index.js";

/** Model, and the data set whose -calib / -test splits it reads. */
const MODELS: [string, string][] = [
  ["digits-mlp-64-32-10", "digits-8x8"],
  ["mlp-196-25-10", "digits-14x14"],
  ["mlp-196-24-14-10", "digits-14x14"],
  ["mlp-784-56-10", "digits-28x28"],
  ["lenet-28-6-16-10", "digits-28x28"],
  ["lenet-28-6-16-120-84-10", "digits-28x28"],
  ["cnn-14-5-11-80-10", "digits-14x14"],
  ["breast-cancer-logreg", "breast-cancer"],
  ["diabetes-linreg", "diabetes"],
  ["breast-cancer-xgb", "breast-cancer"],
  ["diabetes-gbr", "diabetes"],
  ["price-lstm-32-16", "price"],
  ["price-gru-32-16", "price"],
  ["transformer-2x32-seq16", "transformer"],
  ["wide-3264-128-128-7", "wide"],
  ["cnn-32x32x3-16-32-10", "cifar"],
];

const split = (data: string, which: "calib" | "test") =>
  loadDataSet(
    path.join(
      PROJECT_ROOT,
      "models",
      "data",
      data === "transformer" && which === "calib" ? "transformer-calibration.json" : `${data}-${which}.json`,
    ),
  ).xs;

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const results = [];
for (const [model, data] of MODELS) {
  const g = normalize(parseModel(readFileSync(path.join(PROJECT_ROOT, "models", `${model}.onnx`))));
  const calib = split(data, "calib");
  const test = split(data, "test").slice(0, 500);
  const floats = test.map((x) => Float64Array.from(evaluateFloat(g, x)));
  const t0 = performance.now();
  const wide = searchQuantization(g, calib, undefined, undefined, { layerSteps: 0 });
  const t1 = performance.now();
  const r = searchQuantization(g, calib);
  const t2 = performance.now();
  const heldOut = (q: typeof r.model) => calibrationFidelity(q, test, floats, g).agreement;
  const row = {
    model,
    // Labels with an ArgMax / Softmax head; else every value within 1% of the output scale (a
    // classifier exported as logits is held to its values).
    criterion: r.model.output.head === "none" ? "values" : "labels",
    calibration: calib.length,
    heldOut: test.length,
    modelWide: {
      config: wide.config,
      constraints: wide.constraints,
      evaluations: wide.tried.filter((t) => t.agreement !== undefined).length,
      seconds: (t1 - t0) / 1000,
      heldOutAgreement: heldOut(wide.model),
    },
    perLayer: {
      constraints: r.constraints,
      evaluations: r.tried.filter((t) => t.agreement !== undefined).length,
      kept: r.tried.filter((t) => t.change?.kept).map((t) => t.change),
      seconds: (t2 - t1) / 1000,
      heldOutAgreement: heldOut(r.model),
    },
    saved: 1 - r.constraints / wide.constraints,
  };
  results.push(row);
  console.log(
    `${model}: ${wide.constraints} -> ${r.constraints} predicted constraints ` +
      `(${(row.saved * 100).toFixed(1)}% fewer), held-out agreement ` +
      `${pct(row.modelWide.heldOutAgreement)} -> ${pct(row.perLayer.heldOutAgreement)}, ` +
      `${row.perLayer.evaluations} evaluations in ${row.perLayer.seconds.toFixed(1)} s`,
  );
}
const machine = { cpus: os.cpus().length, node: process.version };
const out = { date: new Date().toISOString(), machine, results };
writeFileSync(path.join(PROJECT_ROOT, "bench", "bit-search.json"), `${JSON.stringify(out, null, 2)}\n`);

// The recurrent reference forecasters (models/train_rnn.py: an LSTM and a GRU, hidden 16, over
// 32 prices, exported by PyTorch): at the setting `assay model compile` picks by itself (the
// bit-width search, no widths given) and at the default setting with 64-segment Sigmoid / Tanh,
// the largest absolute and relative error against onnxruntime on the held-out windows, and the
// circuit's constraints (circom --O2, input commitment, output and binding included). Writes
// bench/recurrent.json.
//
//   npx tsx bench/recurrent.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { emitCircuit } from "../prover/circuit/emit.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { searchQuantization } from "../prover/engine/bit-search.js";
import { evaluateInteger } from "../prover/engine/evaluate.js";
import { quantize } from "../prover/engine/fixed-point.js";
import { normalize, parseModel } from "../prover/onnx/index.js";
import { DEFAULT_QUANTIZATION } from "../prover/quantize/quantized-model.js";
import { compileCircuit } from "../prover/zk/circom.js";

const data = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `price-${split}.json`));
const [calib, test] = [data("calib"), data("test")];
const rows = [];
for (const name of ["price-lstm-32-16", "price-gru-32-16"]) {
  const bytes = readFileSync(path.join(PROJECT_ROOT, "models", `${name}.onnx`));
  const g = normalize(parseModel(bytes));
  const session = await ort.InferenceSession.create(bytes);
  const want: number[] = [];
  for (const x of test.xs) {
    const r = await session.run({ input: new ort.Tensor("float32", Float32Array.from(x), [1, 32, 1]) }, ["price"]);
    want.push(Number(r.price.data[0]));
  }
  await session.release();
  const searched = searchQuantization(g, calib.xs);
  for (const [setting, q] of [
    ["searched (default: 99.5% on calibration)", searched.model],
    ["default widths, 64 segments", quantize(g, calib.xs, DEFAULT_QUANTIZATION)],
  ] as const) {
    let [maxAbs, maxRel] = [0, 0];
    test.xs.forEach((x, i) => {
      const d = Math.abs(evaluateInteger(q, x).dequantized[0] - want[i]);
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.abs(want[i]));
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), "assay-recurrent-"));
    writeFileSync(path.join(dir, "model.circom"), emitCircuit(q, { generatedBy: "npx tsx bench/recurrent.ts" }));
    const started = Date.now();
    const compiled = await compileCircuit({ source: path.join(dir, "model.circom"), outDir: dir, optimize: "O2" });
    const compileSeconds = (Date.now() - started) / 1000;
    rmSync(dir, { recursive: true, force: true });
    const row = {
      model: name,
      setting,
      config: q.config,
      ...(setting.startsWith("searched") ? { targetMet: searched.met } : {}),
      layers: q.layers.length,
      constraints: compiled.constraints,
      compileSeconds,
      samples: test.xs.length,
      maxAbsError: maxAbs,
      maxRelError: maxRel,
      unit: "price (the series' units, about 1)",
      aPrioriBound: q.output.errorBound,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const out = path.join(PROJECT_ROOT, "bench", "recurrent.json");
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model };
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, results: rows }, null, 2)}\n`);
console.log(`wrote ${out}`);

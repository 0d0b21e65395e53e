// The reference transformer (models/train_transformer.py: 2 pre-norm encoder layers, d = 32, 4
// heads, sequence 16, exported by PyTorch at opset 13 with LayerNorm and GELU decomposed) at the
// setting `assay model compile` picks by itself (the bit-width search, no widths given):
// constraints (circom --O2, input commitment, output and binding included), compile, ptau and
// Groth16 setup time, argmax agreement with onnxruntime on the held-out sequences, and witness +
// prove time and peak memory (median of 3 proofs; each phase in its own process, so peak RSS is
// per phase). Writes bench/transformer.json.
//
//   npx tsx bench/transformer.ts            (both phases; ASSAY_CACHE_DIR keeps the artifacts)
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { compileModel, type Stage } from "../prover/compile-model.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { measureFidelity } from "../prover/engine/fidelity.js";
import { proveInference, verifyInference } from "../prover/prove-inference.js";
import { releaseCurve } from "../prover/zk/groth16.js";

const MODEL = "transformer-2x32-seq16";
const onnx = path.join(PROJECT_ROOT, "models", `${MODEL}.onnx`);
const data = (split: string) => loadDataSet(path.join(PROJECT_ROOT, "models", "data", `transformer-${split}.json`));
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function build(): Promise<Record<string, unknown>> {
  const [calib, test] = [data("calibration"), data("test")];
  const marks = new Map<Stage, number>();
  const t0 = performance.now();
  const model = await compileModel({
    onnx,
    calibration: calib.xs,
    generatedBy: "npx tsx bench/transformer.ts",
    onProgress: (stage, message) => {
      if (!marks.has(stage)) marks.set(stage, performance.now());
      console.error(`[${stage}] ${message}`);
    },
  });
  const t1 = performance.now();
  const at = (s: Stage) => marks.get(s) ?? t1;
  const fidelity = await measureFidelity(onnx, model.quantized, test.xs, test.labels);
  await releaseCurve();
  return {
    circuitId: model.ref.circuitId,
    constraints: model.manifest.circuit.constraints,
    quantization: model.manifest.quantization,
    layers: model.quantized.layers.length,
    quantizeSeconds: (at("emit") - at("quantize")) / 1000,
    compileSeconds: (at("ptau") - at("emit")) / 1000,
    ptauSeconds: (at("setup") - at("ptau")) / 1000,
    setupSeconds: (t1 - at("setup")) / 1000,
    buildSeconds: (t1 - t0) / 1000,
    buildPeakRssMB: mb(),
    fidelity,
  };
}

async function prove(): Promise<Record<string, unknown>> {
  const [calib, test] = [data("calibration"), data("test")];
  const model = await compileModel({ onnx, calibration: calib.xs });
  const runs: { witnessMs: number; proveMs: number }[] = [];
  let last;
  for (let i = 0; i < 3; i++) {
    last = await proveInference(model, test.xs[i], { binding: BigInt(i + 1) });
    runs.push(last.timings);
    console.error(
      `proof ${i + 1}: witness ${last.timings.witnessMs.toFixed(0)} ms, prove ${last.timings.proveMs.toFixed(0)} ms`,
    );
  }
  const verified = await verifyInference(model, last!.publicSignals, last!.proof);
  await releaseCurve();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  return {
    verifiedOffChain: verified,
    witnessSecondsMedian: median(runs.map((r) => r.witnessMs)) / 1000,
    proveSecondsMedian: median(runs.map((r) => r.proveMs)) / 1000,
    witnessPlusProveSecondsMedian: median(runs.map((r) => r.witnessMs + r.proveMs)) / 1000,
    provePeakRssMB: mb(),
  };
}

function phase(name: "build" | "prove"): Promise<Record<string, unknown>> {
  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, path.join(PROJECT_ROOT, "bench/transformer.ts"), name], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${name} exited ${code}\n${out}`));
      resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}"));
    });
  });
}

const which = process.argv[2];
if (which === "build") console.log(JSON.stringify(await build()));
else if (which === "prove") console.log(JSON.stringify(await prove()));
else {
  const built = await phase("build");
  console.error(JSON.stringify(built));
  const proved = await phase("prove");
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30) };
  const result = { model: MODEL, ...built, ...proved };
  const out = path.join(PROJECT_ROOT, "bench", "transformer.json");
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, result }, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`wrote ${out}`);
}

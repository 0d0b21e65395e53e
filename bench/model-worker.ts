// One benchmark phase for one model in its own process, so peak memory (maxRSS) is per phase:
//   tsx bench/model-worker.ts build <model>   compile (cold) + Groth16 setup + fidelity
//   tsx bench/model-worker.ts prove <model>   witness + prove (artifacts from `build`), 5 runs, then
//                                             one cold `assay prove` call in a new process
// Prints one JSON object on the last stdout line.
import { rmSync } from "node:fs";
import path from "node:path";
import { artifactPath, PROJECT_ROOT } from "../prover/artifacts.js";
import { compileModel, type Stage } from "../prover/compile-model.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { proveInference, verifyInference } from "../prover/prove-inference.js";
import { measureFidelity } from "../prover/engine/fidelity.js";
import { releaseCurve } from "../prover/zk/groth16.js";
import { coldCliProve } from "./model-bench.js";
import { BENCH_MODELS } from "./models.js";

const [phase, name] = process.argv.slice(2);
const spec = BENCH_MODELS.find((m) => m.name === name);
if (!spec || (phase !== "build" && phase !== "prove")) {
  console.error("usage: tsx bench/model-worker.ts build|prove <model>");
  process.exit(2);
}
const data = (split: string) =>
  loadDataSet(path.join(PROJECT_ROOT, "models/data", `digits-${spec.resolution}x${spec.resolution}-${split}.json`));
const onnx = path.join(PROJECT_ROOT, "models", `${spec.name}.onnx`);
const calib = data("calib");
const test = data("test");
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

if (phase === "build") {
  // Cold compile: drop this model's cached circuit first (the powers of tau stay cached).
  const probe = await compileModel({ onnx, calibration: calib.xs, setup: false });
  rmSync(artifactPath(probe.ref, "dir"), { recursive: true, force: true });
  const marks = new Map<Stage, number>();
  const model = await compileModel({
    onnx,
    calibration: calib.xs,
    onProgress: (stage) => {
      if (!marks.has(stage)) marks.set(stage, performance.now());
    },
  });
  const t1 = performance.now();
  const at = (s: Stage) => marks.get(s) ?? t1;
  const fid = await measureFidelity(onnx, model.quantized, test.xs, test.labels);
  await releaseCurve();
  console.log(
    JSON.stringify({
      model: spec.name,
      circuitId: model.ref.circuitId,
      ptauId: model.ref.ptauId,
      constraints: model.manifest.circuit.constraints,
      compileSeconds: (at("ptau") - at("emit")) / 1000,
      ptauSeconds: (at("setup") - at("ptau")) / 1000,
      setupSeconds: (t1 - at("setup")) / 1000,
      setupEngine: model.setup?.engine,
      buildPeakRssMB: mb(),
      fidelity: fid,
      quantization: model.manifest.quantization,
    }),
  );
} else {
  const model = await compileModel({ onnx, calibration: calib.xs });
  const runs: { witnessMs: number; proveMs: number }[] = [];
  let last;
  for (let i = 0; i < 5; i++) {
    last = await proveInference(model, test.xs[i], { binding: BigInt(i + 1) });
    runs.push(last.timings);
  }
  const ok = await verifyInference(model, last!.publicSignals, last!.proof);
  await releaseCurve();
  const coldCliProveSeconds = coldCliProve(model.ref.circuitId, test.xs[0]);
  const total = runs.map((r) => r.witnessMs + r.proveMs).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      model: spec.name,
      circuitId: model.ref.circuitId,
      ptauId: model.ref.ptauId,
      verifiedOffChain: ok,
      witnessMsMedian: runs.map((r) => r.witnessMs).sort((a, b) => a - b)[2],
      proveMsMedian: runs.map((r) => r.proveMs).sort((a, b) => a - b)[2],
      witnessPlusProveSecondsMedian: total[2] / 1000,
      provePeakRssMB: mb(),
      coldCliProveSeconds,
      proof: last!.proof,
      publicSignals: last!.publicSignals.map(String),
    }),
  );
}

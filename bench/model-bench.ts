// One model, built and proved as a user would (`assay model compile`, then proofs), each phase
// in its own process so that peak RSS is per phase: constraints, quantize / compile / ptau / setup
// seconds, fidelity against onnxruntime on held-out data, witness + prove medians of 3 proofs.
// bench/transformer.ts and bench/wide.ts run it for their models.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { compileModel, type Stage } from "../prover/compile-model.js";
import { type DataSet, loadDataSet } from "../prover/data/dataset.js";
import { measureFidelity } from "../prover/engine/fidelity.js";
import { proveInference, verifyInference } from "../prover/prove-inference.js";
import { releaseCurve } from "../prover/zk/groth16.js";

export interface ModelBench {
  /** File name under models/ without .onnx. */
  model: string;
  /** The bench script (it is re-run with "build" / "prove" for each phase). */
  script: string;
  /** Data set files under models/data/ (JSON { shape, data, labels }). */
  data: { calibration: string; test: string };
  /** Written under bench/. */
  out: string;
}

const dataSet = (b: ModelBench, split: "calibration" | "test"): DataSet =>
  loadDataSet(path.join(PROJECT_ROOT, "models", "data", b.data[split]));

const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function build(b: ModelBench): Promise<Record<string, unknown>> {
  const [calib, test] = [dataSet(b, "calibration"), dataSet(b, "test")];
  const marks = new Map<Stage, number>();
  const t0 = performance.now();
  const onnx = path.join(PROJECT_ROOT, "models", `${b.model}.onnx`);
  const model = await compileModel({
    onnx,
    calibration: calib.xs,
    generatedBy: `npx tsx bench/${b.script}`,
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
    setupEngine: model.setup?.engine,
    buildSeconds: (t1 - t0) / 1000,
    buildPeakRssMB: mb(),
    fidelity,
  };
}

async function prove(b: ModelBench): Promise<Record<string, unknown>> {
  const [calib, test] = [dataSet(b, "calibration"), dataSet(b, "test")];
  const onnx = path.join(PROJECT_ROOT, "models", `${b.model}.onnx`);
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
  const cold = coldCliProve(model.ref.circuitId, test.xs[0]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  return {
    verifiedOffChain: verified,
    witnessSecondsMedian: median(runs.map((r) => r.witnessMs)) / 1000,
    proveSecondsMedian: median(runs.map((r) => r.proveMs)) / 1000,
    witnessPlusProveSecondsMedian: median(runs.map((r) => r.witnessMs + r.proveMs)) / 1000,
    provePeakRssMB: mb(),
    coldCliProveSeconds: cold,
  };
}

/**
 * Seconds of one `assay prove` call as a user runs it (a new process: CLI start-up, loading the
 * model, witness generator and key, then witness and proof), for the first held-out input.
 */
export function coldCliProve(circuitId: string, input: ArrayLike<number>): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), "assay-cold-prove-"));
  try {
    const inputFile = path.join(dir, "input.json");
    writeFileSync(inputFile, JSON.stringify(Array.from(input)));
    const t = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        path.join(PROJECT_ROOT, "bin", "assay.mjs"),
        "-q",
        "prove",
        circuitId,
        "--input",
        inputFile,
        "--out",
        path.join(dir, "p.json"),
      ],
      { cwd: PROJECT_ROOT, encoding: "utf8" },
    );
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`assay prove exited ${r.status}: ${r.stderr}`);
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function phase(b: ModelBench, name: "build" | "prove"): Promise<Record<string, unknown>> {
  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, path.join(PROJECT_ROOT, "bench", b.script), name], {
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

/** Runs the phase named by argv[2] (a child), or both in children and writes bench/<out>. */
export async function runModelBench(b: ModelBench): Promise<void> {
  const which = process.argv[2];
  if (which === "build") console.log(JSON.stringify(await build(b)));
  else if (which === "prove") console.log(JSON.stringify(await prove(b)));
  else {
    const built = await phase(b, "build");
    console.error(JSON.stringify(built));
    const proved = await phase(b, "prove");
    const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30) };
    const result = { model: b.model, ...built, ...proved };
    const out = path.join(PROJECT_ROOT, "bench", b.out);
    writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, result }, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    console.log(`wrote ${out}`);
  }
}

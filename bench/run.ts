// Model benchmark: per model, constraints, compile / setup / witness+prove times, peak memory,
// on-chain verification gas, and fidelity against onnxruntime (argmax agreement, max error).
//
//   npm run bench            (= hardhat run bench/run.ts; writes bench/models.json)
//   ASSAY_BENCH_MODELS=a,b npm run bench   only those models (names from bench/models.ts)
//
// Each phase runs in its own process (bench/model-worker.ts) so peak RSS is per phase. Compile
// is always cold (the model's cached circuit is dropped first); the development powers of tau
// stay cached (their cost is bench/ptau.ts's subject).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { openCompiledModel } from "../prover/compile-model.js";
import type { Fidelity } from "../prover/engine/fidelity.js";
import type { QuantizationConfig } from "../prover/quantize/quantized-model.js";
import type { Groth16Proof } from "../prover/zk/groth16.js";
import { encodeProof, encodeVerifyingKey, verifyingKeyId } from "../prover/zk/vkey-encoding.js";
import { BENCH_MODELS } from "./models.js";

const require = createRequire(import.meta.url);
const tsxCli = require.resolve("tsx/cli");

/** What bench/model-worker.ts prints for each phase. */
interface BuildReport {
  model: string;
  circuitId: string;
  ptauId: string;
  constraints: number;
  compileSeconds: number;
  ptauSeconds: number;
  setupSeconds: number;
  setupEngine?: string;
  buildPeakRssMB: number;
  fidelity: Fidelity;
  quantization: QuantizationConfig;
}
interface ProveReport {
  model: string;
  circuitId: string;
  ptauId: string;
  verifiedOffChain: boolean;
  witnessMsMedian: number;
  proveMsMedian: number;
  witnessPlusProveSecondsMedian: number;
  provePeakRssMB: number;
  coldCliProveSeconds: number;
  proof: Groth16Proof;
  publicSignals: string[];
}

function worker(phase: "build", model: string): Promise<BuildReport>;
function worker(phase: "prove", model: string): Promise<ProveReport>;
function worker(phase: "build" | "prove", model: string): Promise<BuildReport | ProveReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, path.join(PROJECT_ROOT, "bench/model-worker.ts"), phase, model], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${phase} ${model} exited ${code}\n${out}`));
      resolve(JSON.parse(last) as BuildReport | ProveReport);
    });
  });
}

/** The run before issue #13 (snarkjs setup, sums term by term): what each row is compared with. */
const before = new Map(
  (
    JSON.parse(readFileSync(path.join(PROJECT_ROOT, "bench/models-before.json"), "utf8")) as {
      models: { model: string; compileSeconds: number; setupSeconds: number; buildPeakRssMB: number }[];
    }
  ).models.map(({ model, compileSeconds, setupSeconds, buildPeakRssMB }) => [
    model,
    { compileSeconds, setupSeconds, buildPeakRssMB },
  ]),
);

const wanted = (process.env.ASSAY_BENCH_MODELS ?? "").split(",").filter(Boolean);
const models = BENCH_MODELS.filter((m) => wanted.length === 0 || wanted.includes(m.name));
const { ethers } = await network.create();
const verifier = await ethers.deployContract("Groth16Verifier");
const consumer = await ethers.deployContract("Groth16VerifierConsumer", [await verifier.getAddress()]);

const rows: Record<string, unknown>[] = [];
for (const m of models) {
  console.error(`\n== ${m.name}: compile + setup + fidelity`);
  const build = await worker("build", m.name);
  console.error(`== ${m.name}: witness + prove`);
  const prove = await worker("prove", m.name);
  if (prove.circuitId !== build.circuitId)
    throw new Error(`${m.name}: the prover saw another circuit (sources changed mid-run?)`);
  const model = await openCompiledModel({ circuitId: prove.circuitId, ptauId: prove.ptauId });
  const key = encodeVerifyingKey(model.vkey!);
  await (await verifier.registerKey(key)).wait();
  const keyId = verifyingKeyId(key);
  const proof = encodeProof(prove.proof);
  const signals = prove.publicSignals.map(BigInt);
  if (!(await verifier.verify(keyId, proof, signals))) throw new Error(`${m.name}: proof rejected on-chain`);
  const verifyTx = Number((await (await verifier.verify.send(keyId, proof, signals)).wait())!.gasUsed);
  await (await consumer.verifyAndRecord(keyId, proof, signals)).wait();
  const consumerTx = Number((await (await consumer.verifyAndRecord(keyId, proof, signals)).wait())!.gasUsed);
  rows.push({
    model: m.name,
    constraints: build.constraints,
    compileSeconds: +build.compileSeconds.toFixed(2),
    setupSeconds: +build.setupSeconds.toFixed(2),
    setupEngine: build.setupEngine,
    ptauSeconds: +build.ptauSeconds.toFixed(2),
    witnessMs: +prove.witnessMsMedian.toFixed(0),
    proveMs: +prove.proveMsMedian.toFixed(0),
    witnessPlusProveSeconds: +prove.witnessPlusProveSecondsMedian.toFixed(2),
    buildPeakRssMB: build.buildPeakRssMB,
    provePeakRssMB: prove.provePeakRssMB,
    coldCliProveSeconds: +prove.coldCliProveSeconds.toFixed(2),
    verifyGasTx: verifyTx,
    verifyAndStoreGasTx: consumerTx,
    argmaxAgreement: build.fidelity.argmaxAgreement,
    maxAbsError: +build.fidelity.maxAbsError.toFixed(4),
    samples: build.fidelity.samples,
    floatAccuracy: build.fidelity.floatAccuracy,
    quantizedAccuracy: build.fidelity.quantizedAccuracy,
    quantization: build.quantization,
    before: before.get(m.name),
  });
}

const report = {
  generatedBy: "npm run bench (bench/run.ts)",
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  notes: [
    "compileSeconds: circom --O2, cold. setupSeconds: Groth16 keys, setupEngine says how (fixed-base from the " +
      "development ceremony's secrets, or snarkjs).",
    "before: the same model in bench/models-before.json (2026-11-25, before #13: snarkjs groth16 setup + one " +
      "phase-2 contribution, sums built term by term).",
    "witnessPlusProveSeconds: median of 5 proofs in one process (keys loaded once). Peak RSS per phase process.",
    "coldCliProveSeconds: one `assay prove` call in a new process (start-up, loading keys, witness, proof).",
    "verifyGasTx: receipt gasUsed of a transaction calling Groth16Verifier.verify (21k base + calldata included).",
    "argmaxAgreement / maxAbsError: quantized integer model vs the float ONNX model in onnxruntime-node, " +
      "held-out digits.",
  ],
  models: rows,
};
if (wanted.length === 0) {
  await writeFile(path.join(PROJECT_ROOT, "bench/models.json"), JSON.stringify(report, null, 2) + "\n");
}
const offTable = new Set(["quantization", "floatAccuracy", "quantizedAccuracy", "samples", "before"]);
console.table(
  rows,
  Object.keys(rows[0] ?? {}).filter((k) => !offTable.has(k)),
);
console.log(wanted.length === 0 ? "wrote bench/models.json" : "subset run: bench/models.json not written");

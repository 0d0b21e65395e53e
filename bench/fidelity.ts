// Fidelity and cost of the convolutional (and dense) reference models at three quantization
// settings, and Groth16 proving of the CNNs on this machine. Writes bench/fidelity.json.
//
//   npx tsx bench/fidelity.ts                 # fidelity + constraints for every model/setting, then proving
//   npx tsx bench/fidelity.ts --no-prove      # fidelity + constraints only
//   npx tsx bench/fidelity.ts --models lenet-28-6-16-10
//
// Fidelity: the quantized integer model against the float ONNX model run by onnxruntime-node on
// the whole held-out digits split (argmax agreement, largest |logit error|, accuracies).
// Constraints: the emitted circuit compiled with circom --O2 (input commitment, every layer,
// output packing and binding included). Proving (default setting only, in child processes so
// peak memory is per phase): development powers of tau, groth16 setup, then witness + proof of
// held-out digits; every proof is verified and its public signals checked against the evaluator.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cacheRoot, PROJECT_ROOT } from "../prover/artifacts.js";
import { commitTensor, outputSignal } from "../prover/commit/tensor-commitment.js";
import { emitCircuit } from "../prover/circuit/emit.js";
import { inputEncoding, outputEncoding, outputIsLabel, outputValues } from "../prover/circuit/encodings.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { toField } from "../prover/field.js";
import { normalize, parseModel } from "../prover/onnx/index.js";
import { evaluateInteger } from "../prover/engine/evaluate.js";
import { measureFidelity } from "../prover/engine/fidelity.js";
import { quantize } from "../prover/engine/fixed-point.js";
import type { QuantizationConfig, QuantizedModel } from "../prover/quantize/quantized-model.js";
import { compileCircuit } from "../prover/zk/circom.js";
import { groth16Prove, groth16Setup, groth16Verify, releaseCurve, type VerificationKey } from "../prover/zk/groth16.js";
import { ensureDevPtau } from "../prover/zk/ptau-cache.js";
import { groth16PtauPower } from "../prover/zk/resolve-ptau.js";
import { readR1csHeader } from "../prover/zk/r1cs-file.js";
import { computeWitnessWtns } from "../prover/zk/witness.js";

const OUT = path.join(PROJECT_ROOT, "bench", "fidelity.json");
const BUILD = path.join(PROJECT_ROOT, "build", "bench-fidelity");

const MODELS: [string, 8 | 14 | 28][] = [
  ["lenet-28-6-16-10", 28],
  ["lenet-28-6-16-120-84-10", 28],
  ["cnn-14-5-11-80-10", 14],
  ["digits-mlp-64-32-10", 8],
  ["mlp-196-25-10", 14],
  ["mlp-196-24-14-10", 14],
  ["mlp-784-56-10", 28],
];
const SETTINGS: { name: string; config: QuantizationConfig }[] = [
  { name: "low", config: { inputBits: 6, weightBits: 6, activationBits: 8 } },
  { name: "default", config: { inputBits: 8, weightBits: 8, activationBits: 10 } },
  { name: "high", config: { inputBits: 10, weightBits: 10, activationBits: 12 } },
];
/** Models that are proven (default setting). */
const PROVEN = ["lenet-28-6-16-10", "lenet-28-6-16-120-84-10", "cnn-14-5-11-80-10"];
const PROOFS = 3;

const data = (res: number, split: string) =>
  loadDataSet(path.join(PROJECT_ROOT, "models", "data", `digits-${res}x${res}-${split}.json`));
const onnxPath = (name: string) => path.join(PROJECT_ROOT, "models", `${name}.onnx`);

function quantizeModel(
  name: string,
  res: number,
  config: QuantizationConfig,
  pooling: "auto" | "raw" | "rescaled" = "auto",
): QuantizedModel {
  return quantize(normalize(parseModel(readFileSync(onnxPath(name)), name)), data(res, "calib").xs, config, {
    pooling,
  });
}

/**
 * Compiles the model's circuit with circom --O2 through prover/zk/circom.ts (cached by source
 * hash). The simplifier runs with circom's older heuristics: on the CNNs the default heuristics
 * take ~11 minutes for the same result (LeNet: 103,587 constraints either way), the older ones ~35 s.
 */
async function compile(q: QuantizedModel): Promise<{ dir: string; seconds: number }> {
  const source = emitCircuit(q, { generatedBy: "npx tsx bench/fidelity.ts" });
  const dir = path.join(BUILD, createHash("sha256").update(source).digest("hex").slice(0, 20));
  const t0 = performance.now();
  if (!existsSync(path.join(dir, "done"))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, "model.circom"), source);
    await compileCircuit({ source: path.join(tmp, "model.circom"), outDir: tmp, optimize: "O2" });
    writeFileSync(path.join(tmp, "seconds"), String((performance.now() - t0) / 1000));
    writeFileSync(path.join(tmp, "done"), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return { dir, seconds: Number(readFileSync(path.join(dir, "seconds"), "utf8")) };
}

/** Child process: one phase ("setup" or "prove") for a compiled model; prints a JSON line. */
async function worker(phase: string, name: string, res: number, dir: string): Promise<void> {
  const header = await readR1csHeader(path.join(dir, "model.r1cs"));
  const power = groth16PtauPower({ constraints: header.nConstraints, publicSignals: 3 });
  const zkey = path.join(dir, `circuit-p${power}.zkey`);
  if (phase === "setup") {
    const t0 = performance.now();
    const ptau = await ensureDevPtau(power, { cacheDir: cacheRoot() });
    const t1 = performance.now();
    if (!existsSync(zkey)) {
      const r = await groth16Setup({ r1cs: path.join(dir, "model.r1cs"), ptau, zkey: `${zkey}.part` });
      renameSync(`${zkey}.part`, zkey);
      writeFileSync(path.join(dir, `vkey-p${power}.json`), JSON.stringify(r.vkey));
      writeFileSync(
        path.join(dir, `setup-p${power}.json`),
        JSON.stringify({
          seconds: (performance.now() - t1) / 1000,
          peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        }),
      );
    }
    const t2 = performance.now();
    // A cached setup reports the time and memory it took when it ran.
    const ran = JSON.parse(readFileSync(path.join(dir, `setup-p${power}.json`), "utf8")) as {
      seconds: number;
      peakRssMB: number;
    };
    await releaseCurve();
    console.log(
      JSON.stringify({
        power,
        ptauSeconds: (t1 - t0) / 1000,
        setupSeconds: ran.seconds,
        peakRssMB: ran.peakRssMB,
        cached: t2 - t1 < 1000 ? 1 : 0,
      }),
    );
  } else {
    const q = JSON.parse(readFileSync(path.join(dir, "quantized.json"), "utf8")) as QuantizedModel;
    const vkey = JSON.parse(readFileSync(path.join(dir, `vkey-p${power}.json`), "utf8")) as VerificationKey;
    const test = data(res, "test");
    const witnessMs: number[] = [];
    const proveMs: number[] = [];
    for (let i = 0; i < PROOFS; i++) {
      const r = evaluateInteger(q, test.xs[i]);
      const salt = 1000n + BigInt(i);
      const t0 = performance.now();
      const wtns = await computeWitnessWtns(path.join(dir, "model_js", "model.wasm"), {
        x: r.input.map(toField),
        salt,
        binding: 42n,
      });
      const t1 = performance.now();
      const { proof, publicSignals } = await groth16Prove(zkey, wtns);
      const t2 = performance.now();
      const expected = [
        await commitTensor(r.input, inputEncoding(q), salt),
        outputIsLabel(q) ? BigInt(r.label) : await outputSignal(outputValues(q, r), outputEncoding(q)),
        42n,
      ];
      if (publicSignals.some((s, j) => s !== expected[j]))
        throw new Error(`proof ${i}: public signals differ from the evaluator`);
      if (!(await groth16Verify(vkey, publicSignals, proof))) throw new Error(`proof ${i} does not verify`);
      witnessMs.push(t1 - t0);
      proveMs.push(t2 - t1);
    }
    await releaseCurve();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      JSON.stringify({
        proofs: PROOFS,
        witnessMs: Math.round(median(witnessMs)),
        proveMs: Math.round(median(proveMs)),
        maxProveMs: Math.round(Math.max(...proveMs)),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  }
}

function runWorker(phase: string, name: string, res: number, dir: string): Promise<Record<string, number>> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--worker", phase, name, String(res), dir],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return fail(new Error(`${phase} worker for ${name} exited ${code}: ${out}`));
      done(JSON.parse(line) as Record<string, number>);
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes("--models") ? args[args.indexOf("--models") + 1].split(",") : undefined;
  const prove = !args.includes("--no-prove");
  const previous = existsSync(OUT)
    ? (JSON.parse(readFileSync(OUT, "utf8")) as {
        fidelity?: Record<string, unknown>[];
        proving?: Record<string, unknown>[];
      })
    : {};
  const fidelity: Record<string, unknown>[] = (previous.fidelity ?? []).filter(
    (r) => only && !only.includes(r.model as string),
  );
  const proving: Record<string, unknown>[] = (previous.proving ?? []).filter(
    (r) => !prove || (only && !only.includes(r.model as string)),
  );
  const pooling: Record<string, unknown>[] = (
    (previous as { pooling?: Record<string, unknown>[] }).pooling ?? []
  ).filter((r) => only && !only.includes(r.model as string));
  for (const [name, res] of MODELS) {
    if (only && !only.includes(name)) continue;
    const test = data(res, "test");
    for (const s of SETTINGS) {
      const q = quantizeModel(name, res, s.config);
      const f = await measureFidelity(onnxPath(name), q, test.xs, test.labels);
      const c = await compile(q);
      writeFileSync(path.join(c.dir, "quantized.json"), JSON.stringify(q));
      const constraints = (await readR1csHeader(path.join(c.dir, "model.r1cs"))).nConstraints;
      const row = {
        model: name,
        setting: s.name,
        quantization: s.config,
        constraints,
        compileSeconds: Math.round(c.seconds * 10) / 10,
        layers: q.layers.map((l) => `${l.kind}${l.act ? `+${l.act.kind}` : ""}`).join(" | "),
        samples: f.samples,
        argmaxAgreement: f.argmaxAgreement,
        maxAbsError: Math.round(f.maxAbsError * 1e4) / 1e4,
        aPrioriErrorBound: Math.round(q.output.errorBound * 100) / 100,
        floatAccuracy: f.floatAccuracy,
        quantizedAccuracy: f.quantizedAccuracy,
      };
      fidelity.push(row);
      console.log(
        `${name} ${s.name}: ${constraints} constraints, ` +
          `agreement ${(f.argmaxAgreement * 100).toFixed(2)}%, max |error| ${row.maxAbsError}`,
      );
      if (s.name === "default" && q.layers.some((l) => l.kind === "maxpool")) {
        // The same model with every max pool on rescaled values instead of raw accumulators.
        const other = quantizeModel(name, res, s.config, "rescaled");
        const oc = await compile(other);
        const otherConstraints = (await readR1csHeader(path.join(oc.dir, "model.r1cs"))).nConstraints;
        const agree =
          test.xs.filter((x) => evaluateInteger(other, x).label === evaluateInteger(q, x).label).length /
          test.xs.length;
        pooling.push({
          model: name,
          setting: s.name,
          poolRawThenRescale: constraints,
          rescaleThenPool: otherConstraints,
          saved: otherConstraints - constraints,
          labelsIdentical: agree,
        });
        console.log(`  pooling: raw accumulators ${constraints}, rescaled first ${otherConstraints} constraints`);
      }
      if (prove && s.name === "default" && PROVEN.includes(name)) {
        const setup = await runWorker("setup", name, res, c.dir);
        console.log(
          `  setup: 2^${setup.power} ptau ${setup.ptauSeconds.toFixed(1)} s, ` +
            `groth16 setup ${setup.setupSeconds.toFixed(1)} s, peak ${setup.peakRssMB} MB`,
        );
        const p = await runWorker("prove", name, res, c.dir);
        console.log(
          `  prove: witness ${p.witnessMs} ms + proof ${p.proveMs} ms (median of ${p.proofs}), peak ${p.peakRssMB} MB`,
        );
        proving.push({
          model: name,
          setting: s.name,
          constraints,
          ptauPower: setup.power,
          setupSeconds: Math.round(setup.setupSeconds),
          setupPeakRssMB: setup.peakRssMB,
          ...p,
          witnessPlusProveSeconds: Math.round((p.witnessMs + p.proveMs) / 100) / 10,
        });
      }
    }
  }
  const order = (r: Record<string, unknown>) =>
    MODELS.findIndex(([m]) => m === r.model) * 10 + SETTINGS.findIndex((s) => s.name === r.setting);
  const result = {
    generatedBy: "npx tsx bench/fidelity.ts",
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim(),
      memGB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    notes: [
      "fidelity: quantized integer model vs the float ONNX model in onnxruntime-node " +
        "over the whole held-out digits split.",
      "constraints: circom --O2 (old simplification heuristics: same count, minutes faster), " +
        "input commitment and output packing included.",
      "aPrioriErrorBound: the quantizer's guaranteed bound on |logit error| for inputs in range (loose by design).",
      "proving: development powers of tau (UNSAFE for production); witness + Groth16 proof on this machine, " +
        "median of the proofs, peak RSS of the proving process.",
    ],
    fidelity: fidelity.sort((a, b) => order(a) - order(b)),
    pooling: pooling.sort((a, b) => order(a) - order(b)),
    proving: proving.sort((a, b) => order(a) - order(b)),
  };
  writeFileSync(OUT, `${JSON.stringify(result, null, 1)}\n`);
  console.log(`wrote ${path.relative(PROJECT_ROOT, OUT)}`);
}

if (process.argv[2] === "--worker") {
  const [, , , phase, name, res, dir] = process.argv;
  await worker(phase, name, Number(res), dir);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

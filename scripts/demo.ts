// The end-to-end demo on the embedded Hardhat network:
//   ONNX digits MLP -> quantized circuit -> Groth16 keys -> proofs of held-out digits
//   -> verified by the one shared on-chain verifier, next to the float model's answer.
//
//   npm run demo
import path from "node:path";
import { network } from "hardhat";
import { compileModel } from "../prover/compile-model.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { proveInference } from "../prover/prove-inference.js";
import { measureFidelity } from "../prover/quantize/fidelity.js";
import { releaseCurve } from "../prover/zk/groth16.js";
import { encodeProof, encodeVerifyingKey, verifyingKeyId } from "../prover/zk/vkey-encoding.js";

const root = path.resolve(import.meta.dirname, "..");
const MODEL = "digits-mlp-64-32-10";
const calib = loadDataSet(path.join(root, "models/data/digits-8x8-calib.json"));
const test = loadDataSet(path.join(root, "models/data/digits-8x8-test.json"));
const t0 = performance.now();
const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

console.log(`assay demo: ${MODEL} (8x8 digits, 64 -> 32 -> 10) on the embedded Hardhat network\n`);
let lastStage = "";
const model = await compileModel({
  onnx: path.join(root, "models", `${MODEL}.onnx`),
  calibration: calib.xs,
  generatedBy: "npm run demo",
  onProgress: (stage, msg) => {
    if (stage !== lastStage || stage === "setup" && msg.startsWith("keys")) console.log(`  [${stage}] ${msg.split("\n")[0]}`);
    lastStage = stage;
  },
});
console.log(`\ncircuit ${model.ref.circuitId}: ${model.manifest.circuit.constraints} constraints, keys ready after ${secs(t0)}`);
if (model.setup?.ptau.unsafeForProduction) console.log("  (development powers of tau: fine for a demo, UNSAFE for production; pass a real ceremony with --ptau)");

const fid = await measureFidelity(path.join(root, "models", `${MODEL}.onnx`), model.quantized, test.xs, test.labels);
console.log(`fidelity on ${fid.samples} held-out digits: argmax agreement with onnxruntime ${(100 * fid.argmaxAgreement).toFixed(2)}%, max |error| ${fid.maxAbsError.toFixed(3)}`);

const { ethers } = await network.create();
const verifier = await ethers.deployContract("Groth16Verifier");
const reg = await (await verifier.registerKey(encodeVerifyingKey(model.vkey!))).wait();
const keyId = verifyingKeyId(model.vkey!);
console.log(`\nshared Groth16Verifier at ${await verifier.getAddress()}; key ${keyId.slice(0, 18)}... registered as data (${reg!.gasUsed} gas)\n`);

const rows = [];
let p!: Awaited<ReturnType<typeof proveInference>>;
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  p = await proveInference(model, test.xs[i], { binding: BigInt(i + 1) });
  const proveTime = secs(t);
  const proof = encodeProof(p.proof);
  const ok = await verifier.verify(keyId, proof, p.publicSignals);
  const gas = (await (await verifier.verify.send(keyId, proof, p.publicSignals)).wait())!.gasUsed;
  rows.push({ digit: test.labels![i], proven: p.result.label, "witness+prove": proveTime, "verified on-chain": ok, gas: Number(gas) });
}
console.table(rows);
const lie = await verifier.verify(keyId, encodeProof(p.proof), [p.publicSignals[0], p.publicSignals[1] + 1n, p.publicSignals[2]]);
console.log(`the last proof presented with a different output: verified on-chain = ${lie}`);
console.log(`\ndone in ${secs(t0)}`);
await releaseCurve();

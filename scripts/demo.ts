// The end-to-end demo on the embedded Hardhat network: cost follows consequence.
//
//   npm run demo
//
// 1. deploys the protocol (shared Groth16 verifier + AssayProtocol) and an example consumer (a
//    parametric insurer whose on-chain policy maps value at risk to a minimum level);
// 2. compiles the bundled digits model (ONNX -> quantized circuit -> Groth16 keys), registers it,
//    starts a development enclave (its own process and key, attested in the Nitro format, key
//    registered through the attestation-verifier role) and a staked operator;
// 3. streams inferences with mixed values at risk through the node's HTTP API: low -> Signed
//    (batched into Merkle roots), middle -> Attested (run and signed inside the enclave), high ->
//    Proven (a Groth16 proof verified on-chain);
// 4. a challenger imports one Signed claim from its batch and challenges it (commit-reveal); the
//    node's challenge watcher proves the claimed output and defends it with no manual step;
// 5. prints a table per level, then audits one claim of each level from chain data alone.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Contract, formatEther, parseEther } from "ethers";
import { network } from "hardhat";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { auditClaim } from "../prover/audit/index.js";
import { openChallenge } from "../prover/chain/disputes.js";
import { compileModel } from "../prover/compile-model.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { bootstrapDevNode } from "../prover/node/dev-bootstrap.js";
import { InferenceService, type InferResponse } from "../prover/node/inference-service.js";
import { startServer } from "../prover/node/server.js";
import { measureFidelity } from "../prover/engine/fidelity.js";
import { releaseCurve } from "../prover/zk/groth16.js";

const MODEL = "digits-mlp-64-32-10";
const t0 = performance.now();
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);
const step = (s: string) => console.log(`\n[${secs(t0)} s] ${s}`);
const quiet = (s: string) => console.log(`    ${s}`);

console.log(`assay demo: cost follows consequence (embedded Hardhat network, model ${MODEL})`);

step("compile the model: ONNX -> fixed point -> circom -> Groth16 keys");
const calib = loadDataSet(path.join(PROJECT_ROOT, "models/data/digits-8x8-calib.json"));
const test = loadDataSet(path.join(PROJECT_ROOT, "models/data/digits-8x8-test.json"));
let lastStage = "";
const model = await compileModel({
  onnx: path.join(PROJECT_ROOT, "models", `${MODEL}.onnx`),
  calibration: calib.xs,
  generatedBy: "npm run demo",
  onProgress: (stage, msg) => {
    if (stage !== lastStage) quiet(`[${stage}] ${msg.split("\n")[0]}`);
    lastStage = stage;
  },
});
const fid = await measureFidelity(
  path.join(PROJECT_ROOT, "models", `${MODEL}.onnx`),
  model.quantized,
  test.xs,
  test.labels,
);
quiet(
  `${model.manifest.circuit.constraints} constraints; argmax agreement with onnxruntime ` +
    `${(100 * fid.argmaxAgreement).toFixed(2)}% on ${fid.samples} held-out digits`,
);
if (model.setup?.ptau.unsafeForProduction)
  quiet(
    "development powers of tau: fine for a demo, UNSAFE for production " +
      "(pass --ptau <ceremony> to `assay model compile`)",
  );

step("deploy the protocol, register the model, stake an operator, attest and register the enclave");
const { ethers } = await network.create();
const stateDir = mkdtempSync(path.join(os.tmpdir(), "assay-demo-"));
const dev = await bootstrapDevNode({ ethers, models: [{ model, alias: "digits" }], stateDir, log: quiet });
const [, , , challenger, insurerOwner] = await ethers.getSigners();
const signedMax = parseEther("0.1");
const attestedMax = parseEther("1");
const insurer = (await ethers.deployContract(
  "ParametricInsurance",
  [dev.deployment.protocol, { signedMax, attestedMax }],
  insurerOwner,
)) as unknown as Contract;
const consumer = await insurer.getAddress();
quiet(
  `consumer policy (ParametricInsurance ${consumer.slice(0, 10)}…): ` +
    `<= ${formatEther(signedMax)} ETH Signed, <= ${formatEther(attestedMax)} ETH Attested, above: Proven`,
);

const service = await InferenceService.start({
  ethers,
  deployment: dev.deployment,
  operator: dev.operator,
  models: dev.served,
  enclave: dev.enclave,
  stateDir,
  config: { batch: { size: 4, intervalMs: 60_000 } },
  // Only the challenge watcher's lines (challenge seen, defence landed) are shown.
  log: (line) => line.startsWith("watch:") && quiet(line),
  watchChallenges: { pollMs: 250 },
});
const { app, url } = await startServer({ service, port: 0, host: "127.0.0.1" });
quiet(`node listening on ${url}`);

step("stream inferences through POST /v1/infer with mixed values at risk");
const values = ["0.02", "0.05", "0.5", "0.08", "3", "0.01", "0.7", "0.03", "0.06", "0.09", "5", "0.04"].map((v) =>
  parseEther(v),
);
interface Sent {
  res: InferResponse;
  input: number[];
  t: number;
  ms: number;
  digit: number;
}
const sent: Sent[] = [];
for (let i = 0; i < values.length; i++) {
  const input = test.xs[i];
  const t = performance.now();
  const r = await fetch(`${url}/v1/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "digits", input, valueAtRisk: values[i].toString(), consumer }),
  });
  const body = await r.json();
  if (!r.ok) throw new Error(`infer failed (${r.status}): ${body.error}`);
  sent.push({ res: { ...body, salt: BigInt(body.salt) }, input, t, ms: performance.now() - t, digit: test.labels![i] });
  quiet(
    `${formatEther(values[i]).padStart(5)} ETH at risk -> ${body.level.padEnd(8)} ` +
      `label ${body.output.label} (true ${test.labels![i]})  ${body.claimId.slice(0, 12)}…`,
  );
}
// A Proven claim is done when its proof is on chain: poll the node for it (its latency counts that).
for (const s of sent.filter((x) => x.res.level === "Proven")) {
  for (;;) {
    const v = await (await fetch(`${url}/v1/claims/${s.res.claimId}`)).json();
    if (v.status === "proven" || v.status === "failed") break;
    await new Promise((r) => setTimeout(r, 25));
  }
  s.ms = performance.now() - s.t;
}
await service.idle(); // batches posted, proofs proven and submitted
const final = await Promise.all(
  sent.map(async (s) => ({ ...s, view: await (await fetch(`${url}/v1/claims/${s.res.claimId}`)).json() })),
);

step("challenge one Signed claim: the node's watcher defends it, no manual step");
const target = final.find((s) => s.view.level === "Signed" && s.view.batch)!;
const hub = (await ethers.getContractAt("AssayProtocol", dev.deployment.protocol)) as unknown as Contract;
const asChallenger = hub.connect(challenger) as Contract;
const claimArgs = (c: InferResponse["claim"]) => [
  c.modelId,
  BigInt(c.inputCommitment),
  BigInt(c.output),
  c.requestId,
  BigInt(c.deadline),
];
const operatorAddress = dev.operator.address;
const before: Record<string, bigint> = {
  challenger: await ethers.provider.getBalance(challenger.address),
  challengerCredit: await hub.creditOf(challenger.address),
  operatorCredit: await hub.creditOf(operatorAddress),
  operatorStake: (await hub.operatorAccount(operatorAddress)).active,
};
// The challenger pulls the claim out of its batch (anyone can, with its Merkle path) and opens a
// dispute: commit, then reveal with the bond in a later block (prover/chain/disputes.ts).
await (
  await asChallenger.importBatchedClaim(
    operatorAddress,
    target.view.batch.root,
    claimArgs(target.view.claim),
    target.view.batch.proof,
  )
).wait();
const tChallenge = performance.now();
await openChallenge(asChallenger, target.res.claimId);
const bond: bigint = await hub.challengeBond();
const dispute = await hub.disputeOf(target.res.claimId);
quiet(
  `challenger ${challenger.address.slice(0, 10)}… imported claim ${target.res.claimId.slice(0, 12)}… ` +
    `from its batch and challenged it (bond ${formatEther(bond)} ETH, answer due by block time ` +
    `${new Date(Number(dispute.responseDeadline) * 1000).toISOString()})`,
);
// Nothing else is done here: the node's challenge watcher sees ClaimChallenged, proves the claimed
// output from the stored input and salt, and submits the proof before the deadline.
while (Number(await hub.levelOf(target.res.claimId)) !== 3) {
  if (performance.now() - tChallenge > 180_000) throw new Error("the node did not defend the claim within 3 minutes");
  await new Promise((r) => setTimeout(r, 100));
}
const defendSeconds = secs(tChallenge);
const [defeated] = await hub.queryFilter(hub.filters.ChallengeDefeated(target.res.claimId));
const defence = defeated ? await defeated.getTransactionReceipt() : null;
const outcome =
  defeated && "args" in defeated
    ? `ChallengeDefeated: bond ${formatEther(defeated.args.bond)} ETH credited to ` +
      `${defeated.args.defender.slice(0, 10)}…`
    : "no ChallengeDefeated event (!)";
quiet(`the node's watcher proved the claimed output ${defendSeconds} s after the challenge: ${outcome}`);
const after: Record<string, bigint> = {
  challenger: await ethers.provider.getBalance(challenger.address),
  challengerCredit: await hub.creditOf(challenger.address),
  operatorCredit: await hub.creditOf(operatorAddress),
  operatorStake: (await hub.operatorAccount(operatorAddress)).active,
};
const eth = (wei: bigint) => `${wei >= 0n ? "+" : ""}${formatEther(wei)} ETH`;
quiet(
  `accounting: challenger wallet ${eth(after.challenger - before.challenger)} (bond and gas), ` +
    `credit ${eth(after.challengerCredit - before.challengerCredit)}; operator credit ` +
    `${eth(after.operatorCredit - before.operatorCredit)}, stake ${eth(after.operatorStake - before.operatorStake)} ` +
    `(defence gas ${defence?.gasUsed ?? "?"})`,
);

step("cost by level");
const byLevel = (lvl: string) => final.filter((s) => s.res.level === lvl);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const gasOf = (s: (typeof final)[number]) => {
  if (s.view.batch)
    return Number(s.view.batch.transaction.gasUsed.$bigint ?? s.view.batch.transaction.gasUsed) / s.view.batch.size;
  return Number(s.view.transaction?.gasUsed?.$bigint ?? s.view.transaction?.gasUsed ?? NaN);
};
const proves: Record<string, string> = {
  Signed: "a staked operator vouches; a proof can slash it",
  Attested: "it ran in the approved enclave image (trust AWS Nitro)",
  Proven: "the registered model on this input gives this output",
};
console.table(
  ["Signed", "Attested", "Proven"].map((lvl) => {
    const xs = byLevel(lvl);
    return {
      level: lvl,
      count: xs.length,
      "latency p50 (ms)": Math.round(
        pct(
          xs.map((x) => x.ms),
          0.5,
        ),
      ),
      "latency p95 (ms)": Math.round(
        pct(
          xs.map((x) => x.ms),
          0.95,
        ),
      ),
      "gas per claim": Math.round(xs.reduce((a, x) => a + gasOf(x), 0) / Math.max(1, xs.length)),
      "what it proves": proves[lvl],
    };
  }),
);
quiet(
  "latency: Signed and Attested = the API round trip " +
    "(Signed claims then wait for their batch root, posted every 4 claims);",
);
quiet("Proven = request to proof verified and recorded on chain. Gas: Signed = postBatch gas / batch size.");

step("audit one claim of each level from chain data alone");
// A batched claim enters the record when someone imports it with its Merkle path: do that for one.
const signedPick = final.find((x) => x.res.level === "Signed" && x !== target && x.view.batch)!;
await (
  await asChallenger.importBatchedClaim(
    operatorAddress,
    signedPick.view.batch.root,
    claimArgs(signedPick.view.claim),
    signedPick.view.batch.proof,
  )
).wait();
const verifier = await ethers.getContractAt("Groth16Verifier", dev.deployment.verifier);
const protocol = hub;
for (const lvl of ["Signed", "Attested", "Proven"]) {
  const s = lvl === "Signed" ? signedPick : byLevel(lvl)[0];
  const report = await auditClaim(
    { provider: ethers.provider, chainId: BigInt(dev.deployment.chainId), protocol, verifier },
    s.res.claimId,
    { input: s.input, salt: s.res.salt },
  );
  console.log(`  ${lvl} claim ${s.res.claimId.slice(0, 12)}…: ${report.ok ? "all checks pass" : "FAILED"}`);
  for (const c of report.checks) {
    const line = `${c.status === "pass" ? "✓" : c.status === "fail" ? "✗" : "·"} ${c.id}: ${c.detail}`;
    console.log(`      ${line.length > 118 ? `${line.slice(0, 117)}…` : line}`);
  }
}

await app.close();
await service.close();
await dev.enclave?.stop();
await releaseCurve();
console.log(`\ndone in ${secs(t0)} s`);

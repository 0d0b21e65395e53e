// Benchmark: gas per claim of ReceiptHub.submitProvenBatch (record N new claims at Proven, all
// proofs checked in one Groth16Verifier.verifyBatch call) for N = 1, 4, 16, 64, with claims of one
// model and of 4 models with different verifying keys mixed, against one submitProven per claim.
// Real toy-model proofs (test/contracts/fixtures/toy-model.ts: the three public signals of every
// model circuit); receipts' gasUsed, 21,000 and calldata included. Writes bench/proven-batch-gas.json.
//
//   npx hardhat run bench/proven-batch-gas.ts
import { writeFile } from "node:fs/promises";
import { network } from "hardhat";
import { bindingFor } from "../prover/chain/binding.js";
import type { Claim } from "../prover/chain/claim.js";
import { fam, idOf, latest, makeClaim, modelInput, readyProtocol } from "../test/contracts/fixtures/protocol.js";
import {
  proveToy,
  releaseToyModel,
  toyCommitment,
  toyModelVariant,
  toyOutput,
  type ToyModel,
} from "../test/contracts/fixtures/toy-model.js";

const SIZES = [1, 4, 16, 64];
const TARGET = { oneModel16: 90_000, fourModels16: 120_000 };

const { ethers } = await network.create();
const r = await readyProtocol(ethers);
const models: { modelId: string; toy: ToyModel }[] = [{ modelId: r.modelId, toy: r.toy }];
for (let k = 2; k <= 4; k++) {
  const toy = await toyModelVariant(`${k}`.repeat(16));
  await (await r.verifier.registerKey(toy.keyBytes)).wait();
  const input = modelInput(toy, { family: fam(`toy-model-${k}`) });
  await (await r.hub.registerModelVersion(input)).wait();
  models.push({ modelId: await r.hub.modelIdOf(input.family, 1), toy });
}

let x = 1000n;
/** A new claim of `m` on a fresh input, with its proof bound to the user. */
async function provenClaim(m: (typeof models)[number]): Promise<{ claim: Claim; proof: bigint[] }> {
  x += 1n;
  const claim = makeClaim(m.modelId, (await latest(ethers)) + 3600n, {
    inputCommitment: await toyCommitment(x, 7n),
    output: toyOutput(x),
  });
  const p = await proveToy(m.toy, x, 7n, bindingFor(idOf(r, claim), r.user.address));
  return { claim, proof: p.proof };
}

const hub = r.hub.connect(r.user);
const gasOf = async (p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
  Number((await (await p).wait())!.gasUsed);

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}
const PRECOMPILES: Record<number, string> = { 6: "ecAdd", 7: "ecMul", 8: "pairing" };

/**
 * Where a transaction's gas goes, per claim: the EVM's own trace (debug_traceTransaction) summed
 * by what cannot shrink (precompiles, storage, the event, calldata, the transaction) and the rest,
 * the contracts' own logic. A call's cost is the gas it consumed (gas before minus gas at the next
 * step of the same depth), so the verifier's call counts its logic, its precompiles counted apart.
 */
async function breakdown(txHash: string, claims: number): Promise<Record<string, number>> {
  const tx = (await ethers.provider.getTransaction(txHash))!;
  const receipt = (await ethers.provider.getTransactionReceipt(txHash))!;
  const trace = (await ethers.provider.send("debug_traceTransaction", [
    txHash,
    { disableStorage: true, disableMemory: true },
  ])) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const sums: Record<string, number> = {};
  const add = (k: string, v: number) => (sums[k] = (sums[k] ?? 0) + v);
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    if (l.op === "STATICCALL" || l.op === "CALL") {
      const target = Number(BigInt(l.stack![l.stack!.length - 2]));
      if (PRECOMPILES[target]) {
        add(PRECOMPILES[target], l.gas - logs[i + 1].gas);
        continue;
      }
    }
    if (l.op === "SSTORE" || l.op === "SLOAD" || l.op.startsWith("LOG"))
      add(l.op.startsWith("LOG") ? "event" : l.op, l.gasCost);
  }
  let calldata = 0;
  for (const b of ethers.getBytes(tx.data)) calldata += b === 0 ? 4 : 16;
  const total = Number(receipt.gasUsed);
  const fixed = {
    pairing: sums.pairing ?? 0,
    ecMulAdd: (sums.ecMul ?? 0) + (sums.ecAdd ?? 0),
    // A new receipt: 20,000 to write the slot plus 2,100 for its first (cold) access, which the
    // trace charges to the SLOAD that checks the claim is new.
    receiptSlot: (sums.SSTORE ?? 0) + 2_100 * claims,
    event: sums.event ?? 0,
    calldata,
    transaction: 21_000,
  };
  const floor = Object.values(fixed).reduce((a, b) => a + b, 0);
  const perClaim = (x: number) => Math.round(x / claims);
  return {
    ...Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, perClaim(v)])),
    floor: perClaim(floor),
    contractLogic: perClaim(total - floor),
    total: perClaim(total),
  };
}

const single = await provenClaim(models[0]);
const singleGas = await gasOf(hub.submitProven(single.claim, single.proof));
console.log(`submitProven (one claim): ${singleGas}`);
const results = [];
let breakdown16: Record<string, number> | undefined;
for (const n of SIZES) {
  const one = [];
  for (let i = 0; i < n; i++) one.push(await provenClaim(models[0]));
  const oneTx = await hub.submitProvenBatch(
    one.map((c) => c.claim),
    one.map((c) => c.proof),
  );
  const oneGas = Number((await oneTx.wait())!.gasUsed);
  const row: Record<string, unknown> = { claims: n, oneModel: { gas: oneGas, perClaim: Math.round(oneGas / n) } };
  if (n === 16) breakdown16 = await breakdown(oneTx.hash, n);
  if (n >= models.length) {
    const mixed = [];
    for (let i = 0; i < n; i++) mixed.push(await provenClaim(models[i % models.length]));
    const gas = await gasOf(
      hub.submitProvenBatch(
        mixed.map((c) => c.claim),
        mixed.map((c) => c.proof),
      ),
    );
    row.fourModels = { gas, perClaim: Math.round(gas / n) };
  }
  results.push(row);
  console.log(JSON.stringify(row));
}
await releaseToyModel();
const at16 = results.find((row) => row.claims === 16) as {
  oneModel: { perClaim: number };
  fourModels: { perClaim: number };
};
const report = {
  bench: "proven-batch-gas",
  date: new Date().toISOString(),
  notes: [
    "gas: receipt gasUsed of one submitProvenBatch transaction (21,000 and calldata included); " +
      "perClaim = gas / claims.",
    "Each claim is new: recorded at Proven (one storage slot, one ClaimProven event); " +
      "fourModels interleaves 4 models with different keys.",
    "submitProvenSingle: one submitProven transaction for one new claim, for comparison.",
    "breakdown16: the one-model batch of 16, per claim, from the EVM trace: pairing, ecMulAdd (precompiles), " +
      "receiptSlot (20,000 write + 2,100 cold access), event, calldata, transaction (21,000); floor = their sum; " +
      "contractLogic = the rest (both contracts' own code).",
  ],
  submitProvenSingle: singleGas,
  results,
  breakdown16,
  target: TARGET,
  verdict: {
    oneModel16: at16.oneModel.perClaim,
    fourModels16: at16.fourModels.perClaim,
    oneModelMet: at16.oneModel.perClaim <= TARGET.oneModel16,
    fourModelsMet: at16.fourModels.perClaim <= TARGET.fourModels16,
  },
};
await writeFile(new URL("./proven-batch-gas.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report.verdict));

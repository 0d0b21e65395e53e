// Gas of the on-chain protocol (contracts/protocol): every user-facing transaction, measured as
// the transaction's gasUsed (21,000 base and calldata included) on the embedded EDR network
// (hardfork of the Hardhat default, solc 0.8.28, optimizer 800 runs). Prints a table and
// writes bench/protocol-gas.json.
//
//   npx hardhat run bench/protocol-gas.ts
//
// Claims are realistic: a random field element as input commitment, a random 32-byte request id,
// a small label as output. The batch check uses a real tree of 2^20 leaves (one real claim among
// random leaves), i.e. a 20-hash Merkle proof.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";
import { id, getBytes } from "ethers";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { BatchTree, batchLeaf } from "../prover/chain/batch-tree.js";
import { bindingFor } from "../prover/chain/binding.js";
import { challengeCommitment } from "../prover/chain/disputes.js";
import { FIELD_MODULUS } from "../prover/field.js";
import {
  challengeAs,
  idOf,
  latest,
  makeClaim,
  fam,
  modelInput,
  readyProtocol,
  sign,
  signAttested,
  backingConsent,
} from "../test/contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../test/contracts/fixtures/toy-model.js";

// snarkjs worker threads would keep the process alive after an error.
process.on("uncaughtException", async (e) => {
  console.error(e);
  await releaseToyModel();
  process.exit(1);
});
const { ethers, networkHelpers } = await network.create();
const r = await readyProtocol(ethers);

interface Row {
  name: string;
  gas: number;
  target?: number;
  note?: string;
}
const rows: Row[] = [];
const gasOf = async (p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
  Number((await (await p).wait())!.gasUsed);
const record = (name: string, gas: number, target?: number, note?: string) => {
  rows.push({ name, gas, target, note });
  console.error(`${name}: ${gas}`);
};
const randomField = () => BigInt(`0x${randomBytes(32).toString("hex")}`) % FIELD_MODULUS;
const realisticClaim = async (overrides = {}) =>
  makeClaim(r.modelId, await latest(ethers), {
    inputCommitment: randomField(),
    requestId: id(randomBytes(8).toString("hex")),
    output: 7n,
    ...overrides,
  });

// --- Deployment and code size.
const deployGas = async (name: string, libs?: Record<string, string>, args: unknown[] = []) => {
  const c = await ethers.deployContract(name, args, libs ? { libraries: libs } : {});
  return Number((await c.deploymentTransaction()!.wait())!.gasUsed);
};
const codeSize = async (a: string) => getBytes(await ethers.provider.getCode(a)).length;
record("deploy ModelRegistryLogic (library)", await deployGas("ModelRegistryLogic"));
record("deploy EnclaveRegistryLogic (library)", await deployGas("EnclaveRegistryLogic"));
record("AssayProtocol runtime code size (bytes)", await codeSize(r.hubAddress), 24_576, "EIP-170 limit");

// --- Registry.
const image2 = id("bench image 2");
await (await r.hub.registerImage(image2)).wait();
const owner = r.others[2];
record(
  "registerModelVersion: new family, all levels, 1 image",
  await gasOf(
    r.hub
      .connect(owner)
      .registerModelVersion(
        modelInput(r.toy, { family: fam("bench family", owner.address), enclaveImages: [r.image] }),
      ),
  ),
  250_000,
);
record(
  "registerModelVersion: next version, all levels, 2 images",
  await gasOf(
    r.hub
      .connect(owner)
      .registerModelVersion(
        modelInput(r.toy, { family: fam("bench family", owner.address), enclaveImages: [r.image, image2] }),
      ),
  ),
  250_000,
);
record(
  "registerModelVersion: new family, Signed+Proven, no image",
  await gasOf(
    r.hub.connect(owner).registerModelVersion(modelInput(r.toy, { family: fam("bench family 2", owner.address) })),
  ),
  250_000,
);
record(
  "deprecateModelVersion (2 images)",
  await gasOf(r.hub.connect(owner).deprecateModelVersion(await r.hub.modelIdOf(fam("bench family", owner.address), 2))),
);
record("registerImage", await gasOf(r.hub.registerImage(id("bench image 3"))));
const benchKey = ethers.Wallet.createRandom();
record(
  "registerEnclaveKey",
  await gasOf(
    r.hub
      .connect(r.attester)
      .registerEnclaveKey(
        benchKey.address,
        r.image,
        id("doc"),
        r.enclaveExpiry,
        r.enclaveOperator.address,
        await backingConsent(r.hub, r.enclaveOperator, benchKey.address, r.image, r.enclaveExpiry),
      ),
  ),
);

// --- Staking.
const op = r.others[3];
record("stake (first deposit)", await gasOf(r.hub.connect(op).stake({ value: r.params.minStake })));
record("stake (top-up)", await gasOf(r.hub.connect(op).stake({ value: r.params.minStake })));

// --- Receipts: several samples of each hot path (calldata varies a little).
const samples = async (name: string, n: number, target: number, one: () => Promise<number>) => {
  const gas: number[] = [];
  for (let i = 0; i < n; i++) gas.push(await one());
  const max = Math.max(...gas);
  const mean = Math.round(gas.reduce((a, b) => a + b, 0) / n);
  record(name, max, target, `max of ${n}; mean ${mean}, min ${Math.min(...gas)}`);
};
await samples("submitSigned", 20, 60_000, async () => {
  const c = await realisticClaim();
  const s = await sign(r, r.operator, c);
  return gasOf(r.hub.submitSigned(c, s.r, s.vs));
});
await samples("submitAttested", 20, 60_000, async () => {
  const c = await realisticClaim();
  const s = await signAttested(r, r.enclave, c);
  return gasOf(r.hub.submitAttested(c, r.toy.keyId, s.r, s.vs));
});
let x = 100n;
await samples("submitProven (new claim)", 5, 300_000, async () => {
  x += 1n;
  const c = await realisticClaim({ inputCommitment: await toyCommitment(x, 5n), output: toyOutput(x) });
  const p = await proveToy(r.toy, x, 5n, bindingFor(idOf(r, c), r.user.address));
  return gasOf(r.hub.connect(r.user).submitProven(c, p.proof));
});
{
  const c = await realisticClaim({ inputCommitment: await toyCommitment(200n, 5n), output: toyOutput(200n) });
  const s = await sign(r, r.operator, c);
  await (await r.hub.submitSigned(c, s.r, s.vs)).wait();
  const p = await proveToy(r.toy, 200n, 5n, bindingFor(idOf(r, c), r.user.address));
  record("submitProven (raise Signed -> Proven)", await gasOf(r.hub.connect(r.user).submitProven(c, p.proof)), 300_000);
}

// --- Disputes.
{
  const lie = await realisticClaim({ inputCommitment: await toyCommitment(300n, 1n), output: 3n });
  const s = await sign(r, r.operator, lie);
  await (await r.hub.submitSigned(lie, s.r, s.vs)).wait();
  const lieId = idOf(r, lie);
  const salt = id("bench challenge salt");
  const commitment = challengeCommitment(lieId, r.challenger.address, salt);
  record("commitChallenge", await gasOf(r.hub.connect(r.challenger).commitChallenge(commitment)));
  record(
    "challenge (reveal, with the bond)",
    await gasOf(r.hub.connect(r.challenger).challenge(lieId, salt, { value: r.params.challengeBond })),
  );
  const p = await proveToy(r.toy, 300n, 1n, bindingFor(lieId, r.challenger.address));
  record(
    "refute (with open challenge)",
    await gasOf(r.hub.connect(r.challenger).refute(lie, toyOutput(300n), p.proof)),
  );

  const lie2 = await realisticClaim({ inputCommitment: await toyCommitment(301n, 1n), output: 3n });
  const s2 = await sign(r, r.operator, lie2);
  await (await r.hub.submitSigned(lie2, s2.r, s2.vs)).wait();
  const p2 = await proveToy(r.toy, 301n, 1n, bindingFor(idOf(r, lie2), r.challenger.address));
  record(
    "refute (no challenge, immediate)",
    await gasOf(r.hub.connect(r.challenger).refute(lie2, toyOutput(301n), p2.proof)),
  );

  // Two refutations slashed the operator: stake again.
  await (await r.hub.connect(r.operator).stake({ value: r.params.minStake * 2n })).wait();
  const truth = await realisticClaim({ inputCommitment: await toyCommitment(302n, 1n), output: toyOutput(302n) });
  const s3 = await sign(r, r.operator, truth);
  await (await r.hub.submitSigned(truth, s3.r, s3.vs)).wait();
  await (await challengeAs(r.hub, r.challenger, idOf(r, truth), r.params.challengeBond)).wait();
  const p3 = await proveToy(r.toy, 302n, 1n, bindingFor(idOf(r, truth), r.operator.address));
  record(
    "submitProven (defend a challenged claim)",
    await gasOf(r.hub.connect(r.operator).submitProven(truth, p3.proof)),
    300_000,
  );

  const silent = await realisticClaim();
  const s4 = await sign(r, r.operator, silent);
  await (await r.hub.submitSigned(silent, s4.r, s4.vs)).wait();
  await (await challengeAs(r.hub, r.challenger, idOf(r, silent), r.params.challengeBond)).wait();
  await networkHelpers.time.increase(r.params.responseWindow + 1);
  record("resolveTimeout", await gasOf(r.hub.resolveTimeout(idOf(r, silent))));
  record("withdrawCredit", await gasOf(r.hub.connect(r.challenger).withdrawCredit()));
}

// --- Batches: a real 2^20-leaf tree with one real claim.
{
  const depth = 20;
  const n = 1 << depth;
  const claim = await realisticClaim({ deadline: (await latest(ethers)) + 30n * 86400n });
  const claimId = idOf(r, claim);
  const index = 777_777;
  console.error(`building a ${n}-leaf tree ...`);
  const leaves: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) leaves[i] = randomBytes(32);
  leaves[index] = getBytes(batchLeaf(claimId));
  const tree = BatchTree.fromLeaves(leaves);
  const proof = tree.proof(index);
  record(`postBatch (root of ${n} claims)`, await gasOf(r.hub.connect(r.operator).postBatch(tree.root, n)), 80_000);
  const small = BatchTree.fromClaimIds([claimId, id("other")]);
  record("postBatch (root of 2 claims)", await gasOf(r.hub.connect(r.operator).postBatch(small.root, 2)), 80_000);
  if ((await r.hub.checkBatchedClaim(r.operator.address, tree.root, claim, proof)) !== claimId)
    throw new Error("batch check failed");
  record(
    `checkBatchedClaim, ${n}-leaf batch (${proof.length}-hash proof, as a transaction)`,
    await gasOf(r.hub.checkBatchedClaim.send(r.operator.address, tree.root, claim, proof)),
    60_000,
  );
  record(
    `importBatchedClaim, ${n}-leaf batch`,
    await gasOf(r.hub.importBatchedClaim(r.operator.address, tree.root, claim, proof)),
  );
}

// --- Unbonding.
record("requestUnbonding", await gasOf(r.hub.connect(op).requestUnbonding(r.params.minStake)));
await networkHelpers.time.increase(r.params.unbondingDelay + 1);
record("withdrawStake", await gasOf(r.hub.connect(op).withdrawStake()));

await releaseToyModel();

const pad = (s: string, n: number) => s.padEnd(n);
const w = Math.max(...rows.map((x) => x.name.length));
console.log(`${pad("transaction", w)}  ${"gas".padStart(9)}  ${"target".padStart(9)}  ok  note`);
for (const row of rows) {
  const ok = row.target === undefined ? "  " : row.gas <= row.target ? "✓ " : "✗ ";
  const target = row.target === undefined ? "" : String(row.target);
  console.log(`${pad(row.name, w)}  ${String(row.gas).padStart(9)}  ${target.padStart(9)}  ${ok}  ${row.note ?? ""}`);
}
const out = path.join(PROJECT_ROOT, "bench", "protocol-gas.json");
await writeFile(
  out,
  JSON.stringify(
    {
      generatedBy: "npx hardhat run bench/protocol-gas.ts",
      measured: "transaction gasUsed (21,000 base and calldata included), embedded EDR network",
      compiler: { solc: "0.8.28", optimizerRuns: 800, evmVersion: "cancun" },
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.error(`wrote ${path.relative(PROJECT_ROOT, out)}`);
const missed = rows.filter((x) => x.target !== undefined && x.gas > x.target);
if (missed.length > 0) {
  console.error(`targets missed: ${missed.map((m) => m.name).join(", ")}`);
  process.exitCode = 1;
}

// Benchmark: gas of Groth16Verifier.verifyBatch per proof, against one verify transaction per
// proof, for batches of 1, 4, 16 and 64 proofs of one key and of 4 keys mixed (3 public signals
// each, the shape of a model's proof). Real proofs of the test fixture circuit
// (test/contracts/fixtures/groth16-fixture.circom); each batch is sent as a transaction and its
// receipt's gasUsed (21,000 and calldata included) is what is reported. Writes bench/batch-gas.json.
//
//   npx hardhat run bench/batch-gas.ts
import { writeFile } from "node:fs/promises";
import hre from "hardhat";
import { encodeProof, encodePublicSignals, encodeVerifyingKey, verifyingKeyId } from "../prover/zk/vkey-encoding.js";
import {
  buildFixtureCircuit,
  fixturePtau,
  fixtureWorkspace,
  proveFixture,
  releaseSnarkjs,
  removeWorkspace,
} from "../test/contracts/fixtures/groth16-fixture.js";

const SIZES = [1, 4, 16, 64];
const KEYS = 4;

const { ethers } = await hre.network.create();
const dir = await fixtureWorkspace("batch-gas");
try {
  const ptau = await fixturePtau(6);
  const verifier = await ethers.deployContract("Groth16Verifier");
  const circuits = [];
  for (let k = 0; k < KEYS; k++) {
    const c = await buildFixtureCircuit(dir, ptau, 3, (k + 1).toString(16).repeat(16));
    await (await verifier.registerKey(encodeVerifyingKey(c.vkey))).wait();
    circuits.push(c);
  }
  type Entry = { id: string; proof: bigint[]; signals: bigint[] };
  const entries: Entry[][] = circuits.map(() => []);
  for (let k = 0; k < KEYS; k++) {
    const need = k === 0 ? Math.max(...SIZES) : Math.max(...SIZES) / KEYS;
    for (let i = 0; i < need; i++) {
      const p = await proveFixture(circuits[k], BigInt(i + 2), BigInt(k + 3), [BigInt(i), BigInt(k)]);
      entries[k].push({
        id: verifyingKeyId(encodeVerifyingKey(circuits[k].vkey)),
        proof: encodeProof(p.proof),
        signals: encodePublicSignals(p.publicSignals),
      });
    }
  }
  const send = async (batch: Entry[]) => {
    const args = [batch.map((e) => e.id), batch.map((e) => e.proof), batch.flatMap((e) => e.signals)] as const;
    if (!(await verifier.verifyBatch(...args))) throw new Error(`batch of ${batch.length} did not verify`);
    const data = verifier.interface.encodeFunctionData("verifyBatch", args);
    const tx = await (await ethers.getSigners())[0].sendTransaction({ to: await verifier.getAddress(), data });
    return Number((await tx.wait())!.gasUsed);
  };
  const one = entries[0][0];
  const singleData = verifier.interface.encodeFunctionData("verify", [one.id, one.proof, one.signals]);
  const singleTx = await (
    await ethers.getSigners()
  )[0].sendTransaction({ to: await verifier.getAddress(), data: singleData });
  const single = Number((await singleTx.wait())!.gasUsed);

  const results = [];
  for (const n of SIZES) {
    const oneKey = await send(entries[0].slice(0, n));
    const row: Record<string, unknown> = { proofs: n, oneKey: { gas: oneKey, perProof: Math.round(oneKey / n) } };
    if (n >= KEYS) {
      // Interleaved: key 0, 1, 2, 3, 0, 1, ...
      const mixed = Array.from({ length: n }, (_, i) => entries[i % KEYS][Math.floor(i / KEYS)]);
      const gas = await send(mixed);
      row.fourKeys = { gas, perProof: Math.round(gas / n) };
    }
    results.push(row);
    console.log(JSON.stringify(row));
  }
  const report = {
    bench: "verifier-batch-gas",
    date: new Date().toISOString(),
    notes: [
      "gas: receipt gasUsed of one verifyBatch transaction (21,000 and calldata included); perProof = gas / proofs.",
      "singleVerifyTx: one verify transaction for one proof of the same key, for comparison.",
      "Verification only: recording claims (ReceiptHub) is not included.",
    ],
    publicSignals: 3,
    singleVerifyTx: single,
    results,
  };
  await writeFile(new URL("./batch-gas.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`single verify tx: ${single} gas`);
} finally {
  await releaseSnarkjs();
  await removeWorkspace(dir);
}

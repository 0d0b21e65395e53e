// Benchmark: gas of on-chain inference requests (contracts/requests/) and of the two ways a
// contract can check a claim's input commitment against input it holds:
//
//   poseidon       recompute the circuits' commitment on chain (PoseidonT17, salt 0) once per
//                  request: what AssayRequestHub does
//   publicSignals  make the input words public signals of the proof instead: each extra signal
//                  costs the shared verifier one more scalar multiplication (measured here with
//                  the Groth16 fixture circuit at 3 and 3 + words public signals)
//
// and the request flow: request, then Signed fulfilment (one transaction: submitSigned + fulfil
// + callback, or submitSigned then fulfil) and Proven fulfilment (fulfilProven, or submitProven
// then fulfil), with TestRequester's callback (stores four words). Each flow is measured on a
// second request, so the callback's slots already hold values, as in a requester's steady state.
//
//   npx hardhat run bench/request-gas.ts      (prints a table, writes bench/request-gas.json)
import { writeFile } from "node:fs/promises";
import hre from "hardhat";
import { getBytes, type BytesLike, type ContractTransactionResponse } from "ethers";
import { compactSignature, signClaim } from "../prover/chain/claim.js";
import { type InputTensor, inputTensorOf } from "../prover/chain/request-hub.js";
import { releaseCurve } from "../prover/zk/groth16.js";
import { encodeProof, encodeVerifyingKey, verifyingKeyId } from "../prover/zk/vkey-encoding.js";
import { latest } from "../test/contracts/fixtures/protocol.js";
import {
  answerClaim,
  ask,
  LEVEL,
  proveFor,
  requestsReady,
  tinyTensor,
  type RequestsReady,
} from "../test/contracts/fixtures/requests.js";
import {
  buildFixtureCircuit,
  fixturePtau,
  fixtureWorkspace,
  proveFixture,
  releaseSnarkjs,
  removeWorkspace,
} from "../test/contracts/fixtures/groth16-fixture.js";

const { ethers } = await hre.network.create();

interface Row {
  name: string;
  gas: number;
  note?: string;
}
const rows: Row[] = [];

function calldataGas(data: BytesLike): number {
  return [...getBytes(data)].reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
}

async function gasOf(p: Promise<ContractTransactionResponse>): Promise<{ gas: number; calldata: number }> {
  const tx = await p;
  const receipt = (await tx.wait())!;
  return { gas: Number(receipt.gasUsed), calldata: calldataGas(tx.data) };
}

function record(name: string, gas: number, note?: string): void {
  rows.push(note ? { name, gas, note } : { name, gas });
  console.log(`${name.padEnd(72)} ${String(gas).padStart(9)}${note ? `  (${note})` : ""}`);
}

/** Sends a view function as a transaction, to measure what it costs inside one. */
async function viewTx(r: RequestsReady, tensor: InputTensor) {
  const data = r.requestHub.interface.encodeFunctionData("inputCommitmentOf", [tensor]);
  const [signer] = await ethers.getSigners();
  return gasOf(signer.sendTransaction({ to: r.requestHubAddress, data }) as Promise<ContractTransactionResponse>);
}

async function commitments(r: RequestsReady): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const [signer] = await ethers.getSigners();
  const v = Array.from({ length: 16 }, (_, i) => BigInt(i + 1) * 0x1234567n);
  const data = r.poseidon.interface.encodeFunctionData("hash", [v]);
  const hash = await gasOf(
    signer.sendTransaction({ to: await r.poseidon.getAddress(), data }) as Promise<ContractTransactionResponse>,
  );
  out.poseidonT17 = hash.gas - 21_000 - hash.calldata;
  record("PoseidonT17.hash: one permutation (execution only)", out.poseidonT17);
  for (const [label, n] of [
    ["1 word (8 values x 8 bits)", 8],
    ["3 words (64 values x 8 bits)", 64],
    ["20 words (620 values x 8 bits, 2 permutations)", 620],
  ] as const) {
    const enc = { n, bits: 8, offset: 0n };
    const tensor = inputTensorOf(
      Array.from({ length: n }, (_, i) => BigInt((i * 37) % 256)),
      enc,
    );
    const g = await viewTx(r, tensor);
    out[`poseidon ${n}`] = g.gas - 21_000 - g.calldata;
    record(`input commitment on chain, ${label} (execution only)`, out[`poseidon ${n}`]);
  }
  return out;
}

/** Gas of the shared verifier at `3 + words` public signals, minus at 3: the public-signals option. */
async function publicSignals(r: RequestsReady): Promise<Record<string, number>> {
  const dir = await fixtureWorkspace("request-gas");
  const out: Record<string, number> = {};
  try {
    const ptau = await fixturePtau(6);
    const base: Record<number, number> = {};
    for (const n of [3, 4, 6, 23]) {
      const circuit = await buildFixtureCircuit(dir, ptau, n);
      const x = Array.from({ length: n - 1 }, (_, i) => BigInt(i + 2) * 0x1111n);
      const p = await proveFixture(circuit, 3n, 5n, x);
      const keyBytes = encodeVerifyingKey(circuit.vkey);
      await (await r.verifier.registerKey(keyBytes)).wait();
      const signals = p.publicSignals.map(BigInt);
      const keyId = verifyingKeyId(keyBytes);
      if (!(await r.verifier.verify(keyId, encodeProof(p.proof), signals)))
        throw new Error(`fixture ${n} does not verify`);
      const g = await gasOf(r.verifier.verify.send(keyId, encodeProof(p.proof), signals));
      base[n] = g.gas;
      if (n > 3) {
        out[`public ${n - 3}`] = g.gas - base[3];
        record(
          `public-signals option: ${n - 3} input word(s) as extra signals (verify tx, extra)`,
          out[`public ${n - 3}`],
        );
      }
    }
  } finally {
    await removeWorkspace(dir);
  }
  return out;
}

async function sig(r: RequestsReady, claim: Parameters<typeof signClaim>[1]) {
  return compactSignature(await signClaim(r.operator, claim, r.chainId, r.hubAddress));
}

async function flows(r: RequestsReady): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const { tensor, x } = tinyTensor(r.tiny);
  const deadline = (await latest(ethers)) + 3600n;
  const hub = r.requestHub.connect(r.operator) as typeof r.requestHub;
  // Warm-up: one fulfilled request, so the callback's slots and the payee's balance are non-zero.
  const w = await ask(r, tensor, { level: LEVEL.Signed });
  const wc = await answerClaim(r, w, x, r.operator.address, deadline);
  const ws = await sig(r, wc.claim);
  await (await hub.fulfilSigned(w.requestId, w.req, r.operator.address, wc.claim, ws.r, ws.vs)).wait();

  const a = await ask(r, tensor);
  out.request = Number((await a.tx.wait())!.gasUsed);
  record("request (1-word input: Poseidon commitment, policy read, one slot)", out.request);
  const ca = await answerClaim(r, a, x, r.operator.address, deadline);
  const sa = await sig(r, ca.claim);
  out.fulfilSigned = (await gasOf(hub.fulfilSigned(a.requestId, a.req, r.operator.address, ca.claim, sa.r, sa.vs))).gas;
  record("fulfilSigned (submitSigned + fulfil + callback, one tx)", out.fulfilSigned);

  const b = await ask(r, tensor);
  const cb = await answerClaim(r, b, x, r.operator.address, deadline);
  const sb = await sig(r, cb.claim);
  out.submitSigned = (await gasOf(r.hub.connect(r.operator).submitSigned(cb.claim, sb.r, sb.vs))).gas;
  out.fulfil = (await gasOf(hub.fulfil(b.requestId, b.req, r.operator.address, cb.claim))).gas;
  record("submitSigned, then fulfil + callback (two txs): submitSigned", out.submitSigned);
  record("submitSigned, then fulfil + callback (two txs): fulfil", out.fulfil);

  await (await r.requester.setLevel(LEVEL.Proven)).wait();
  const c = await ask(r, tensor);
  const cc = await answerClaim(r, c, x, r.operator.address, deadline);
  const pc = await proveFor(r, cc.claim, x, r.requestHubAddress);
  out.fulfilProven = (await gasOf(hub.fulfilProven(c.requestId, c.req, r.operator.address, cc.claim, pc))).gas;
  record("fulfilProven (submitProven + fulfil + callback, one tx)", out.fulfilProven);

  const d = await ask(r, tensor);
  const cd = await answerClaim(r, d, x, r.operator.address, deadline);
  const pd = await proveFor(r, cd.claim, x, r.operator.address);
  out.submitProven = (await gasOf(r.hub.connect(r.operator).submitProven(cd.claim, pd))).gas;
  out.fulfilAfterProven = (await gasOf(hub.fulfil(d.requestId, d.req, r.operator.address, cd.claim))).gas;
  record("submitProven, then fulfil + callback (two txs): submitProven", out.submitProven);
  record("submitProven, then fulfil + callback (two txs): fulfil", out.fulfilAfterProven);
  out.callback = Number(await callbackGas(r));
  record("  of which the TestRequester callback (four stores, warm)", out.callback);
  return out;
}

/** Gas the Record callback uses (a direct call from an account: minus the 21k and calldata). */
async function callbackGas(r: RequestsReady): Promise<number> {
  const hubAddress = r.requestHubAddress;
  await ethers.provider.send("hardhat_impersonateAccount", [hubAddress]);
  await ethers.provider.send("hardhat_setBalance", [hubAddress, "0x56BC75E2D63100000"]);
  const hubSigner = await ethers.getSigner(hubAddress);
  const g = await gasOf(
    (r.requester.connect(hubSigner) as typeof r.requester).onAssayResult(
      `0x${"11".repeat(32)}`,
      `0x${"22".repeat(32)}`,
      12345n,
      LEVEL.Signed,
    ),
  );
  await ethers.provider.send("hardhat_stopImpersonatingAccount", [hubAddress]);
  return g.gas - 21_000 - g.calldata;
}

const r = await requestsReady(ethers);
const commit = await commitments(r);
const pub = await publicSignals(r);
const flow = await flows(r);
const total = {
  signedOneTx: flow.request + flow.fulfilSigned,
  signedTwoTx: flow.request + flow.submitSigned + flow.fulfil,
  provenOneTx: flow.request + flow.fulfilProven,
  provenTwoTx: flow.request + flow.submitProven + flow.fulfilAfterProven,
};
record("TOTAL request + Signed fulfilment + callback (fulfilSigned)", total.signedOneTx);
record("TOTAL request + Signed fulfilment + callback (node: submitSigned, fulfil)", total.signedTwoTx);
record("TOTAL request + Proven fulfilment + callback (fulfilProven)", total.provenOneTx);
record("TOTAL request + Proven fulfilment + callback (node: submitProven, fulfil)", total.provenTwoTx);

await writeFile(
  new URL("./request-gas.json", import.meta.url),
  `${JSON.stringify(
    {
      generatedBy: "npx hardhat run bench/request-gas.ts",
      measured: "transaction gasUsed (21,000 base and calldata included) unless marked execution only; embedded EDR",
      compiler: { solc: "0.8.28", optimizerRuns: 800, evmVersion: "cancun" },
      inputCommitment: {
        choice: "poseidon",
        reason:
          "The circuits already commit the input with circomlib's Poseidon (t = 17 chain, prover/commit); with " +
          "salt 0 the hub recomputes that commitment, so every registered model and every level (Signed, " +
          "Attested, Proven) works unchanged. Input as public signals is far cheaper per word on the Proven " +
          "path but needs a circuit input mode, a second Proven path in the receipt hub (more than three " +
          "signals) and still a commitment Signed/Attested claims can name.",
        poseidonExecutionGas: commit,
        publicSignalsExtraVerifyGas: pub,
      },
      flows: flow,
      totals: total,
      rows,
    },
    null,
    2,
  )}\n`,
);
await releaseSnarkjs();
await releaseCurve();

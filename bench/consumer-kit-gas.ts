// Gas of the Solidity consumer kit (contracts/consumer/): AssayConsumer._acceptClaim on the happy
// path at each level (measured inside the consumer with gasleft(), so it is what the kit adds to
// a dApp's transaction: the hub call, the replay record and the event), the whole transaction of
// the example ParametricInsurance.claimPayout, and AssayOutput decoding of typical output words.
// Embedded EDR network, solc 0.8.28, optimizer 800 runs. Prints a table and writes
// bench/consumer-kit-gas.json.
//
//   npx hardhat run bench/consumer-kit-gas.ts
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";
import { parseEther } from "ethers";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { bindingFor } from "../prover/chain/binding.js";
import { packWords } from "../prover/commit/tensor-commitment.js";
import type { AssayConsumerHarness, ParametricInsurance } from "../types/ethers-contracts/index.js";
import {
  idOf,
  latest,
  makeClaim,
  readyProtocol,
  submitAttested,
  submitSigned,
} from "../test/contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../test/contracts/fixtures/toy-model.js";

// snarkjs worker threads would keep the process alive after an error.
process.on("uncaughtException", async (e) => {
  console.error(e);
  await releaseToyModel();
  process.exit(1);
});

const { ethers, networkHelpers } = await network.create();
const rows: { name: string; gas: number }[] = [];
const record = (name: string, gas: bigint) => rows.push({ name, gas: Number(gas) });

const thresholds = { signedMax: parseEther("1"), attestedMax: parseEther("5") };
const r = await readyProtocol(ethers);
await (await r.hub.connect(r.enclaveOperator).stake({ value: parseEther("5") })).wait();
const kit = (await ethers.deployContract("AssayConsumerHarness", [
  r.hubAddress,
  thresholds,
])) as unknown as AssayConsumerHarness;
const insurance = (await ethers.deployContract("ParametricInsurance", [
  r.hubAddress,
  thresholds,
])) as unknown as ParametricInsurance;
await (await insurance.fund({ value: parseEther("20") })).wait();

async function toyClaim(x: bigint, salt: bigint) {
  return makeClaim(r.modelId, await latest(ethers), {
    inputCommitment: await toyCommitment(x, salt),
    output: toyOutput(x),
  });
}

// --- _acceptClaim, each level (eth_call of the measuring function: a fresh transaction's cold reads).
const signed = await toyClaim(1n, 1n);
await submitSigned(r, r.operator, signed);
const attested = await toyClaim(2n, 1n);
await submitAttested(r, attested);
const proven = await toyClaim(3n, 1n);
const p = await proveToy(r.toy, 3n, 1n, bindingFor(idOf(r, proven), r.user.address));
await (await r.hub.connect(r.user).submitProven(proven, p.proof)).wait();
await networkHelpers.time.increase(r.params.challengeWindow + 1);
for (const [name, claim, value] of [
  ["Signed (value 1 ETH, backing checked)", signed, parseEther("1")],
  ["Attested (value 5 ETH, backing checked)", attested, parseEther("5")],
  ["Proven (value 100 ETH)", proven, parseEther("100")],
] as const) {
  record(`_acceptClaim: ${name}`, await kit.measureAccept.staticCall(claim, r.modelId, claim.inputCommitment, value));
}

// --- The example consumer's whole transaction (21,000 base and calldata included).
const sev = await toyClaim(0n, 9n); // output 7: severity 7
await (await insurance.issuePolicy(r.user.address, r.modelId, sev.inputCommitment, parseEther("1.2"))).wait();
await submitSigned(r, r.operator, sev);
await networkHelpers.time.increase(r.params.challengeWindow + 1);
const receipt = await (await insurance.claimPayout(1n, sev)).wait();
record("ParametricInsurance.claimPayout transaction, Signed", receipt!.gasUsed);

// --- AssayOutput decoding (inside the contract, memory format).
const shapes = [
  { what: "1 label (ArgMax head)", count: 1, bits: 4, isSigned: false },
  { what: "3 logits x 20 bits", count: 3, bits: 20, isSigned: true },
  { what: "10 logits x 20 bits", count: 10, bits: 20, isSigned: true },
  { what: "31 values x 8 bits", count: 31, bits: 8, isSigned: true },
  { what: "253 labels x 1 bit", count: 253, bits: 1, isSigned: false },
];
for (const s of shapes) {
  const offset = s.isSigned ? 1n << BigInt(s.bits - 1) : 0n;
  const xs = Array.from({ length: s.count }, (_, i) => (BigInt(i * 7919) % (1n << BigInt(s.bits))) - offset);
  const [word] = packWords(xs, { n: s.count, bits: s.bits, offset });
  const [all, last, top] = await kit.measureDecode(word, {
    count: s.count,
    bits: s.bits,
    isSigned: s.isSigned,
    frac: 8,
  });
  record(`AssayOutput.values: ${s.what}`, all);
  record(`AssayOutput.valueAt (last): ${s.what}`, last);
  record(`AssayOutput.argmax: ${s.what}`, top);
}

await releaseToyModel();

const w = Math.max(...rows.map((x) => x.name.length));
console.log(`${"measurement".padEnd(w)}  ${"gas".padStart(9)}`);
for (const row of rows) console.log(`${row.name.padEnd(w)}  ${String(row.gas).padStart(9)}`);
const out = path.join(PROJECT_ROOT, "bench", "consumer-kit-gas.json");
await writeFile(
  out,
  JSON.stringify(
    {
      generatedBy: "npx hardhat run bench/consumer-kit-gas.ts",
      measured:
        "_acceptClaim and decoding: gasleft() around the internal call in AssayConsumerHarness (eth_call); " +
        "claimPayout: transaction gasUsed; embedded EDR network",
      compiler: { solc: "0.8.28", optimizerRuns: 800, evmVersion: "cancun" },
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.error(`wrote ${path.relative(PROJECT_ROOT, out)}`);

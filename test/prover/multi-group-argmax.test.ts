// A model ending in ArgMax over an axis with several groups publishes its labels packed into one
// word (unsigned, bits just wide enough for the largest label), exactly as the circuit packs
// them: the integer evaluator (infer) predicts that word, compileModel's witness check accepts
// the compiled circuit, and the SDK's decodeOutput and the Solidity consumer kit
// (AssayOutput.labels) read the labels back from it with the spec the model is registered under.
// (One group publishes the label itself: test/e2e/proof-spine.test.ts proves such a model.)
import { expect } from "chai";
import { network } from "hardhat";
import { packWords } from "../../prover/commit/tensor-commitment.js";
import { compileModel } from "../../prover/compile-model.js";
import { checkWitness, infer } from "../../prover/prove-inference.js";
import { decodeOutput } from "../../prover/sdk/claims.js";
import { randomFloats } from "../helpers/onnx-builder.js";
import { caseModel, type OpCase } from "../helpers/onnx-cases.js";
import type { AssayConsumerHarness } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

/** ArgMax over axis 1 of [2, 3, 2]: four groups of three values, four labels of 2 bits. */
const FOUR_LABELS: OpCase = {
  name: "ArgMax over axis 1 of [2, 3, 2]",
  inDims: [2, 3, 2],
  outDims: [2, 1, 2],
  nodes: [
    { op: "Mul", inputs: ["x", "k"], outputs: ["m"] },
    { op: "ArgMax", inputs: ["m"], outputs: ["y"], attrs: { axis: 1 } },
  ],
  init: { k: { dims: [1], data: [3] } },
  outType: "int64",
};

const rows = (n: number) => Array.from({ length: 6 }, (_, s) => randomFloats(n, 70 + s).map((v) => 2 * v));

/** The tensor spec the registry records for the model's output (prover/chain/protocol-client.ts). */
function registeredSpec(m: Awaited<ReturnType<typeof compileModel>>["manifest"]) {
  const { shape, frac, encoding } = m.output;
  return { shape, frac, bits: encoding.bits, isSigned: encoding.offset !== "0" };
}

describe("ArgMax heads: the evaluator's public output is what the circuit publishes", function () {
  this.timeout(120_000);

  it("four groups: one packed word, accepted by the witness check, read back by the SDK and the chain", async () => {
    const calibration = rows(12);
    const model = await compileModel({ onnx: caseModel(FOUR_LABELS), calibration, setup: false });
    expect(model.manifest.output.publishedAs).to.equal("word");
    expect(model.manifest.output.encoding).to.deep.equal({ n: 4, bits: 2, offset: "0" });
    const [anyone] = await ethers.getSigners();
    const kit = (await ethers.deployContract("AssayConsumerHarness", [
      anyone.address,
      { signedMax: 1n, attestedMax: 2n },
    ])) as unknown as AssayConsumerHarness;
    const [count, bits, isSigned, frac] = await kit.formatOf(registeredSpec(model.manifest));
    const format = { count, bits, isSigned, frac };
    expect(format).to.deep.equal({ count: 4n, bits: 2n, isSigned: false, frac: BigInt(model.manifest.output.frac) });
    const distinct = new Set<string>();
    for (const x of calibration) {
      await checkWitness(model, x);
      const inf = await infer(model, x, { salt: 1n });
      expect(inf.result.labels).to.have.length(4);
      expect(inf.output).to.equal(packWords(inf.result.labels.map(BigInt), { n: 4, bits: 2, offset: 0n })[0]);
      const decoded = decodeOutput(inf.output, registeredSpec(model.manifest));
      expect(decoded.integers).to.deep.equal(inf.result.labels.map(BigInt));
      expect(await kit.labels(inf.output, format)).to.deep.equal(inf.result.labels.map(BigInt));
      distinct.add(inf.result.labels.join(","));
    }
    // Inputs that give different labels (a word that ignored groups 1-3 could not tell them apart).
    expect(distinct.size).to.be.greaterThan(1);
  });
});

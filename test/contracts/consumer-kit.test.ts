// The Solidity consumer kit (contracts/consumer/): AssayOutput reads back, bit for bit, the output
// words the TypeScript prover packs (quantized models of several output kinds, and every bit
// width at its extreme values); AssayConsumer._acceptClaim accepts a good claim once and refuses
// each bad one with the exact custom error; the node reads a consumer's policy through
// IAssayConsumer's compiled ABI. The consumer is contracts/test/AssayConsumerHarness.sol.
import { expect } from "chai";
import { network } from "hardhat";
import { id, parseEther, ZeroAddress } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import { assayConsumerInterface } from "../../prover/chain/contract-abi.js";
import { outputEncoding, outputIsLabel, outputValues } from "../../prover/circuit/encodings.js";
import {
  fitsOneWord,
  outputSignal,
  packWords,
  type TensorEncoding,
  unpackWords,
  valuesPerWord,
} from "../../prover/commit/tensor-commitment.js";
import { consumerRequiredLevel } from "../../prover/node/routing.js";
import { normalize, parseModel } from "../../prover/onnx/index.js";
import { evaluateInteger } from "../../prover/engine/evaluate.js";
import { quantize } from "../../prover/engine/fixed-point.js";
import type { QuantizedModel } from "../../prover/quantize/quantized-model.js";
import type { AssayConsumerHarness } from "../../types/ethers-contracts/index.js";
import { loadDigits, modelPath } from "../helpers/data.js";
import { randomFloats } from "../helpers/onnx-builder.js";
import { caseModel, numel, type OpCase } from "../helpers/onnx-cases.js";
import { readFile } from "node:fs/promises";
import {
  challengeAs,
  idOf,
  LEVEL,
  latest,
  makeClaim,
  readyProtocol,
  submitAttested,
  submitSigned,
  type Ready,
} from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** Signed up to 1.5 ETH, Attested up to 3 ETH, Proven above. */
const THRESHOLDS = { signedMax: parseEther("1.5"), attestedMax: parseEther("3") };

interface Format {
  count: number;
  bits: number;
  isSigned: boolean;
  frac: number;
}

/** The AssayOutput.Format of a quantized model's public output (its manifest's output encoding). */
function formatOf(q: QuantizedModel): Format {
  const enc = outputEncoding(q);
  return { count: enc.n, bits: enc.bits, isSigned: enc.offset !== 0n, frac: q.output.frac };
}

/** The public output signal exactly as the circuit (circuit/emit.ts) and the prover compute it. */
async function published(q: QuantizedModel, x: number[]): Promise<bigint> {
  const r = evaluateInteger(q, x);
  return outputIsLabel(q) ? BigInt(r.label) : outputSignal(outputValues(q, r), outputEncoding(q));
}

/** trunc(v * one / 2^frac), exactly: what AssayOutput.toUnits returns. */
function units(v: bigint, frac: number, one: bigint): bigint {
  const mag = (v < 0n ? -v : v) * one;
  const scaled = frac >= 0 ? mag >> BigInt(frac) : mag << BigInt(-frac);
  return v < 0n ? -scaled : scaled;
}

/** Index of the first largest value. */
function firstMax(xs: readonly bigint[]): number {
  return xs.reduce((best, v, i) => (v > xs[best] ? i : best), 0);
}

const MODEL_CASES: (OpCase & { calib?: number[][] })[] = [
  {
    name: "Gemm [1, 6] -> [1, 3]: three signed logits",
    inDims: [1, 6],
    outDims: [1, 3],
    nodes: [{ op: "Gemm", inputs: ["x", "W"], outputs: ["y"], attrs: { transB: 1 } }],
    init: { W: { dims: [3, 6], data: randomFloats(18, 71) } },
  },
  {
    name: "Softmax over axis 1 of [2, 4]: eight logits (the head is off-circuit)",
    inDims: [2, 4],
    outDims: [2, 4],
    nodes: [
      { op: "Add", inputs: ["x", "b"], outputs: ["a"] },
      { op: "Softmax", inputs: ["a"], outputs: ["y"], attrs: { axis: 1 } },
    ],
    init: { b: { dims: [4], data: [0.5, -0.5, 1, 0] } },
  },
  {
    name: "ArgMax over axis 1 of [2, 3, 2] (select_last_index): four packed labels",
    inDims: [2, 3, 2],
    outDims: [2, 1, 2],
    nodes: [
      { op: "Mul", inputs: ["x", "k"], outputs: ["m"] },
      { op: "ArgMax", inputs: ["m"], outputs: ["y"], attrs: { axis: 1, select_last_index: 1 } },
    ],
    init: { k: { dims: [1], data: [3] } },
    outType: "int64",
  },
  {
    name: "ArgMax over axis 1 of [1, 5]: one label, published as itself",
    inDims: [1, 5],
    outDims: [1, 1],
    nodes: [
      { op: "Gemm", inputs: ["x", "W"], outputs: ["g"], attrs: { transB: 1 } },
      { op: "ArgMax", inputs: ["g"], outputs: ["y"], attrs: { axis: 1 } },
    ],
    init: { W: { dims: [5, 5], data: randomFloats(25, 72) } },
    outType: "int64",
  },
];

async function harness(): Promise<Ready & { kit: AssayConsumerHarness; kitAddress: string }> {
  const r = await readyProtocol(ethers);
  const kit = (await ethers.deployContract("AssayConsumerHarness", [r.hubAddress, THRESHOLDS], {
    value: parseEther("10"),
  })) as unknown as AssayConsumerHarness;
  // The enclave key's operator backs Attested claims of up to 3 ETH.
  await (await r.hub.connect(r.enclaveOperator).stake({ value: parseEther("3") })).wait();
  return { ...r, kit, kitAddress: await kit.getAddress() };
}

/** A true toy-model claim (x, salt) about the fixture's model. */
async function toyClaim(r: Ready, x: bigint, salt: bigint) {
  return makeClaim(r.modelId, await latest(ethers), {
    inputCommitment: await toyCommitment(x, salt),
    output: toyOutput(x),
  });
}

describe("consumer kit: AssayOutput decodes the prover's packed outputs", function () {
  const deployed = async () => ({
    kit: (await ethers.deployContract("AssayConsumerHarness", [
      (await ethers.getSigners())[9].address,
      THRESHOLDS,
    ])) as unknown as AssayConsumerHarness,
  });

  for (const c of MODEL_CASES) {
    it(`${c.name}: values, labels, argmax and scaled values match the integer evaluator`, async function () {
      const { kit } = await networkHelpers.loadFixture(deployed);
      const n = numel(c.inDims);
      const calib = Array.from({ length: 6 }, (_, s) => randomFloats(n, 90 + s).map((v) => v * 2));
      const q = quantize(normalize(parseModel(caseModel(c))), calib);
      await checkModel(kit, q, calib.slice(0, 3));
    });
  }

  it("the committed digits MLP (64-32-10): ten logits of the test digits", async function () {
    const { kit } = await networkHelpers.loadFixture(deployed);
    const bytes = new Uint8Array(await readFile(modelPath("digits-mlp-64-32-10")));
    const q = quantize(normalize(parseModel(bytes)), loadDigits(8, "calib").xs);
    await checkModel(kit, q, loadDigits(8, "test").xs.slice(0, 3));
  });

  it("every bit width from 1 to 253, signed and unsigned, at its extreme values", async function () {
    const { kit } = await networkHelpers.loadFixture(deployed);
    for (const bits of [1, 2, 3, 7, 8, 13, 16, 31, 64, 84, 126, 253]) {
      for (const isSigned of [false, true]) {
        const count = valuesPerWord(bits);
        const enc: TensorEncoding = { n: count, bits, offset: isSigned ? 1n << BigInt(bits - 1) : 0n };
        const lo = -enc.offset;
        const hi = (1n << BigInt(bits)) - 1n - enc.offset;
        const pool = [hi, lo, 0n, lo + 1n, hi - 1n, isSigned ? -1n : 1n];
        const xs = Array.from({ length: count }, (_, i) => {
          const v = pool[i % pool.length];
          return v < lo ? lo : v > hi ? hi : v;
        });
        const [word] = packWords(xs, enc);
        const format = { count, bits, isSigned, frac: 0 };
        const got = await kit.values(word, format);
        expect(got, `${bits} bits, ${isSigned ? "signed" : "unsigned"}`).to.deep.equal(xs);
        expect(got).to.deep.equal(unpackWords([word], enc));
        expect(await kit.valueAt(word, format, count - 1)).to.equal(xs[count - 1]);
        expect((await kit.argmax(word, format))[0]).to.equal(BigInt(firstMax(xs)));
      }
    }
  });

  it("formatOf reads a registered output spec; outputs too big for a word are refused", async function () {
    const { kit } = await networkHelpers.loadFixture(deployed);
    expect(await kit.formatOf({ shape: [2, 1, 2], frac: 3, bits: 2, isSigned: false })).to.deep.equal([
      4n,
      2n,
      false,
      3n,
    ]);
    expect(await kit.formatOf({ shape: [], frac: -2, bits: 253, isSigned: true })).to.deep.equal([1n, 253n, true, -2n]);
    // 12 x 22 bits = 264 > 253: the prover publishes a commitment instead (fitsOneWord agrees).
    expect(fitsOneWord({ n: 12, bits: 22, offset: 1n << 21n })).to.equal(false);
    await expect(kit.formatOf({ shape: [3, 4], frac: 0, bits: 22, isSigned: true }))
      .to.be.revertedWithCustomError(kit, "AssayOutputBadFormat")
      .withArgs(12n, 22n);
    await expect(kit.formatOf({ shape: [1, 70000, 70000], frac: 0, bits: 1, isSigned: false }))
      .to.be.revertedWithCustomError(kit, "AssayOutputBadFormat")
      .withArgs(70000n, 1n);
    for (const [count, bits] of [
      [0, 8],
      [3, 0],
      [12, 22],
    ]) {
      const format = { count, bits, isSigned: true, frac: 0 };
      expect(await kit.fits(format)).to.equal(false);
      await expect(kit.values(0n, format))
        .to.be.revertedWithCustomError(kit, "AssayOutputBadFormat")
        .withArgs(count, bits);
    }
    expect(await kit.fits({ count: 11, bits: 23, isSigned: true, frac: 0 })).to.equal(true);
  });

  it("refuses words with bits above the format, indexes past the end and signed labels", async function () {
    const { kit } = await networkHelpers.loadFixture(deployed);
    const format = { count: 3, bits: 10, isSigned: true, frac: 4 };
    const [word] = packWords([-512n, 0n, 511n], { n: 3, bits: 10, offset: 512n });
    expect(await kit.values(word, format)).to.deep.equal([-512n, 0n, 511n]);
    const stray = word | (1n << 30n);
    for (const call of [kit.values(stray, format), kit.valueAt(stray, format, 0), kit.argmax(stray, format)]) {
      await expect(call).to.be.revertedWithCustomError(kit, "AssayOutputNotPacked").withArgs(stray, 30n);
    }
    await expect(kit.valueAt(word, format, 3))
      .to.be.revertedWithCustomError(kit, "AssayOutputIndexOutOfRange")
      .withArgs(3n, 3n);
    await expect(kit.labels(word, format)).to.be.revertedWithCustomError(kit, "AssayOutputSignedLabels");
    await expect(kit.labelAt(word, format, 0)).to.be.revertedWithCustomError(kit, "AssayOutputSignedLabels");
  });

  it("toUnits scales fixed point exactly, rounding toward zero, and refuses overflow", async function () {
    const { kit } = await networkHelpers.loadFixture(deployed);
    const one = 10n ** 18n;
    for (const [v, frac] of [
      [0n, 4],
      [1n, 0],
      [-1n, 0],
      [3n, 2],
      [-3n, 2],
      [-5n, 1],
      [12345n, 10],
      [-12345n, 10],
      [7n, -3],
      [-7n, -3],
      [1n, 300],
    ] as [bigint, number][]) {
      expect(await kit.toUnits(v, frac, one), `${v} / 2^${frac}`).to.equal(units(v, frac, one));
    }
    expect(await kit.toUnits(-3n, 2, 1n)).to.equal(0n);
    expect(await kit.toUnits(-(2n ** 255n), 0, 1n)).to.equal(-(2n ** 255n));
    const max = 2n ** 255n - 1n;
    for (const [v, frac, u] of [
      [max, 0, 2n],
      [1n, -255, 1n],
      [1n, -300, 1n],
      [2n ** 200n, 0, one],
    ] as [bigint, number, bigint][]) {
      await expect(kit.toUnits(v, frac, u))
        .to.be.revertedWithCustomError(kit, "AssayOutputScaleOverflow")
        .withArgs(v, frac, u);
    }
  });
});

/** Decodes each input's published output on chain and compares with the TypeScript side. */
async function checkModel(kit: AssayConsumerHarness, q: QuantizedModel, inputs: number[][]): Promise<void> {
  const format = formatOf(q);
  const enc = outputEncoding(q);
  if (!fitsOneWord(enc)) throw new Error(`test model output does not fit a word (${enc.n} x ${enc.bits} bits)`);
  // The registry's spec of this output (as protocol-client's modelVersionInput builds it) gives the same format.
  const spec = { shape: q.output.shape, frac: q.output.frac, bits: enc.bits, isSigned: enc.offset !== 0n };
  expect(await kit.formatOf(spec)).to.deep.equal([
    BigInt(format.count),
    BigInt(format.bits),
    format.isSigned,
    BigInt(format.frac),
  ]);
  for (const x of inputs) {
    const r = evaluateInteger(q, x);
    const out = await published(q, x);
    const expected = outputValues(q, r);
    expect(await kit.values(out, format)).to.deep.equal(expected);
    expect(await kit.values(out, format)).to.deep.equal(unpackWords([out], enc));
    if (q.output.head === "argmax") {
      expect(format.isSigned).to.equal(false);
      expect(await kit.labels(out, format)).to.deep.equal(r.labels.map(BigInt));
      expect(await kit.labelAt(out, format, format.count - 1)).to.equal(BigInt(r.labels[format.count - 1]));
      continue;
    }
    expect(format.isSigned).to.equal(true);
    expect(await kit.argmax(out, format)).to.deep.equal([BigInt(firstMax(r.logits)), r.logits[firstMax(r.logits)]]);
    const one = 10n ** 18n;
    for (let i = 0; i < format.count; i++) {
      const got = await kit.valueInUnits(out, format, i, one);
      expect(got, `value ${i} in units`).to.equal(units(r.logits[i], format.frac, one));
      // The same real number the evaluator dequantizes to (within the 1e-18 unit's rounding).
      expect(Math.abs(Number(got) / 1e18 - r.dequantized[i])).to.be.lessThan(1e-9 * (1 + Math.abs(r.dequantized[i])));
    }
  }
}

describe("consumer kit: AssayConsumer._acceptClaim", function () {
  after(releaseToyModel);

  it("requiredLevel follows the consumer's thresholds, as the node reads it (IAssayConsumer ABI)", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const abi = await assayConsumerInterface();
    expect(abi.getFunction("requiredLevel")!.format("sighash")).to.equal("requiredLevel(uint256)");
    for (const [value, level, name] of [
      [0n, LEVEL.Signed, "Signed"],
      [THRESHOLDS.signedMax, LEVEL.Signed, "Signed"],
      [THRESHOLDS.signedMax + 1n, LEVEL.Attested, "Attested"],
      [THRESHOLDS.attestedMax, LEVEL.Attested, "Attested"],
      [THRESHOLDS.attestedMax + 1n, LEVEL.Proven, "Proven"],
    ] as [bigint, number, string][]) {
      expect(await r.kit.requiredLevel(value)).to.equal(BigInt(level));
      expect((await consumerRequiredLevel(ethers.provider, r.kitAddress, value)).level).to.equal(name);
    }
    expect(await r.kit.assayHub()).to.equal(r.hubAddress);
    expect(await r.kit.consequenceThresholds()).to.deep.equal([THRESHOLDS.signedMax, THRESHOLDS.attestedMax]);
    const factory = await ethers.getContractFactory("AssayConsumerHarness");
    await expect(
      ethers.deployContract("AssayConsumerHarness", [ZeroAddress, THRESHOLDS]),
    ).to.be.revertedWithCustomError(factory, "AssayConsumerZeroHub");
    await expect(ethers.deployContract("AssayConsumerHarness", [r.hubAddress, { signedMax: 2n, attestedMax: 1n }]))
      .to.be.revertedWithCustomError(factory, "ConsequencePolicyUnorderedThresholds")
      .withArgs(2n, 1n);
  });

  it("accepts a final, backed Signed claim about the expected model and input, once", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const claim = await toyClaim(r, 3n, 11n);
    const claimId = await submitSigned(r, r.operator, claim);
    const value = parseEther("1");
    const end = (await r.hub.receiptOf(claimId)).challengeEnd;
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, value))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal")
      .withArgs(claimId, end, false);
    await networkHelpers.time.increaseTo(end + 1n);
    expect(await r.kit.check(claim, r.modelId, claim.inputCommitment, value)).to.deep.equal([claimId, claim.output]);
    expect(await r.kit.accept.staticCall(claim, r.modelId, claim.inputCommitment, value)).to.deep.equal([
      claimId,
      claim.output,
    ]);
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, value))
      .to.emit(r.kit, "AssayClaimAccepted")
      .withArgs(claimId, r.modelId, LEVEL.Signed, value);
    expect(await r.kit.isClaimAccepted(claimId)).to.equal(true);
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, value))
      .to.be.revertedWithCustomError(r.kit, "AssayConsumerClaimAlreadyAccepted")
      .withArgs(claimId);
    // The view check records nothing and still passes.
    expect(await r.kit.check(claim, r.modelId, claim.inputCommitment, value)).to.deep.equal([claimId, claim.output]);
  });

  it("accepts an Attested claim for a middle value and a Proven one for any value, at once", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const attested = await toyClaim(r, 4n, 12n);
    const attestedId = await submitAttested(r, attested);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.kit.accept(attested, r.modelId, attested.inputCommitment, parseEther("3")))
      .to.emit(r.kit, "AssayClaimAccepted")
      .withArgs(attestedId, r.modelId, LEVEL.Attested, parseEther("3"));
    const proven = await toyClaim(r, 5n, 13n);
    const p = await proveToy(r.toy, 5n, 13n, bindingFor(idOf(r, proven), r.user.address));
    await (await r.hub.connect(r.user).submitProven(proven, p.proof)).wait();
    await expect(r.kit.accept(proven, r.modelId, proven.inputCommitment, parseEther("1000")))
      .to.emit(r.kit, "AssayClaimAccepted")
      .withArgs(idOf(r, proven), r.modelId, LEVEL.Proven, parseEther("1000"));
  });

  it("refuses a claim about another model, another input, or below the level the value needs", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const claim = await toyClaim(r, 6n, 14n);
    const claimId = await submitSigned(r, r.operator, claim);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    const otherModel = id("another model");
    await expect(r.kit.accept(claim, otherModel, claim.inputCommitment, 1n))
      .to.be.revertedWithCustomError(r.kit, "AssayConsumerWrongModel")
      .withArgs(otherModel, r.modelId);
    const otherInput = await toyCommitment(6n, 15n);
    await expect(r.kit.accept(claim, r.modelId, otherInput, 1n))
      .to.be.revertedWithCustomError(r.kit, "AssayConsumerWrongInput")
      .withArgs(otherInput, claim.inputCommitment);
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, THRESHOLDS.signedMax + 1n))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
      .withArgs(claimId, LEVEL.Signed, LEVEL.Attested);
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, THRESHOLDS.attestedMax + 1n))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
      .withArgs(claimId, LEVEL.Signed, LEVEL.Proven);
    const unrecorded = await toyClaim(r, 6n, 14n);
    await expect(r.kit.accept(unrecorded, r.modelId, unrecorded.inputCommitment, 1n))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubUnknownClaim")
      .withArgs(idOf(r, unrecorded));
    expect(await r.kit.isClaimAccepted(claimId)).to.equal(false);
  });

  it("refuses a disputed claim and a refuted one", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const disputed = await toyClaim(r, 7n, 16n);
    const disputedId = await submitSigned(r, r.operator, disputed);
    await (await challengeAs(r.hub, r.challenger, disputedId)).wait();
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    const end = (await r.hub.receiptOf(disputedId)).challengeEnd;
    await expect(r.kit.accept(disputed, r.modelId, disputed.inputCommitment, 1n))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal")
      .withArgs(disputedId, end, true);
    // A lie (x = 8 gives 95) refuted by a proof of the true output.
    const lie = makeClaim(r.modelId, await latest(ethers), {
      inputCommitment: await toyCommitment(8n, 17n),
      output: 9n,
    });
    const lieId = await submitSigned(r, r.operator, lie);
    const p = await proveToy(r.toy, 8n, 17n, bindingFor(lieId, r.challenger.address));
    await (await r.hub.connect(r.challenger).refute(lie, toyOutput(8n), p.proof)).wait();
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.kit.accept(lie, r.modelId, lie.inputCommitment, 1n))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(lieId);
  });

  it("refuses a claim whose backer's stake does not cover the value at risk", async function () {
    const r = await networkHelpers.loadFixture(harness);
    // operator2 holds exactly the 1 ETH minimum: enough for 1 ETH at risk, not for 1.5 ETH.
    const claim = await toyClaim(r, 9n, 18n);
    const claimId = await submitSigned(r, r.operator2, claim);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, THRESHOLDS.signedMax))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubBackerUnderstaked")
      .withArgs(claimId, r.operator2.address, parseEther("1"), THRESHOLDS.signedMax);
    await (await r.hub.connect(r.operator2).requestUnbonding(parseEther("0.5"))).wait();
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, 1n))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubBackerUnderstaked")
      .withArgs(claimId, r.operator2.address, parseEther("0.5"), r.params.minStake);
    await (await r.hub.connect(r.operator2).stake({ value: parseEther("1") })).wait();
    await expect(r.kit.accept(claim, r.modelId, claim.inputCommitment, THRESHOLDS.signedMax)).to.emit(
      r.kit,
      "AssayClaimAccepted",
    );
  });

  it("the two-argument form checks the consumer's own expectations, and refuses without them", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const claim = await toyClaim(r, 10n, 19n);
    const claimId = await submitSigned(r, r.operator, claim);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    const amount = parseEther("0.5");
    await expect(r.kit.claimBounty(claim, amount)).to.be.revertedWithCustomError(r.kit, "AssayConsumerNoExpectation");
    await expect(r.kit.connect(r.user).setExpectation(r.modelId, claim.inputCommitment))
      .to.be.revertedWithCustomError(r.kit, "AssayConsumerHarnessNotOwner")
      .withArgs(r.user.address);
    await (await r.kit.setExpectation(r.modelId, 1n)).wait();
    await expect(r.kit.claimBounty(claim, amount))
      .to.be.revertedWithCustomError(r.kit, "AssayConsumerWrongInput")
      .withArgs(1n, claim.inputCommitment);
    await (await r.kit.setExpectation(r.modelId, claim.inputCommitment)).wait();
    const tx = r.kit.connect(r.user).claimBounty(claim, amount);
    await expect(tx).to.emit(r.kit, "BountyPaid").withArgs(claimId, r.user.address, amount);
    await expect(tx).to.changeEtherBalances(ethers, [r.user, r.kit], [amount, -amount]);
  });

  it("gas: _acceptClaim on the happy path and AssayOutput decoding stay small", async function () {
    const r = await networkHelpers.loadFixture(harness);
    const signed = await toyClaim(r, 11n, 20n);
    await submitSigned(r, r.operator, signed);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    const gas = await r.kit.measureAccept.staticCall(signed, r.modelId, signed.inputCommitment, parseEther("1"));
    // A cold call to the hub (claim id, receipt and stake reads), one new slot and one event:
    // measured 34,603 (bench/consumer-kit-gas.ts).
    expect(gas).to.be.greaterThan(25_000n).and.lessThan(40_000n);
    const logits = { count: 10, bits: 20, isSigned: true, frac: 8 };
    const [word] = packWords(
      Array.from({ length: 10 }, (_, i) => BigInt(i * 1000 - 4000)),
      { n: 10, bits: 20, offset: 1n << 19n },
    );
    const [all, last, top] = await r.kit.measureDecode(word, logits);
    // Measured 2,345 / 1,155 / 1,928 (bench/consumer-kit-gas.ts).
    expect(all).to.be.lessThan(4_000n);
    expect(last).to.be.lessThan(1_500n);
    expect(top).to.be.lessThan(3_000n);
  });
});

import { expect } from "chai";
import { network } from "hardhat";
import { id, parseEther, ZeroAddress } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import type { ParametricInsurance } from "../../types/ethers-contracts/index.js";
import {
  LEVEL,
  idOf,
  latest,
  makeClaim,
  readyProtocol,
  submitAttested,
  submitSigned,
  type Ready,
} from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

const THRESHOLDS = { signedMax: parseEther("0.1"), attestedMax: parseEther("1") };

async function insured(): Promise<Ready & { insurance: ParametricInsurance; insuranceAddress: string }> {
  const r = await readyProtocol(ethers);
  const insurance = (await ethers.deployContract("ParametricInsurance", [
    r.hubAddress,
    THRESHOLDS,
  ])) as unknown as ParametricInsurance;
  await (await insurance.fund({ value: parseEther("20") })).wait();
  return { ...r, insurance, insuranceAddress: await insurance.getAddress() };
}

describe("ConsequencePolicy and ParametricInsurance (example consumer)", function () {
  after(releaseToyModel);

  it("maps value at risk to the minimum level at the thresholds, which must be ordered", async function () {
    const r = await networkHelpers.loadFixture(insured);
    const cases: [bigint, number][] = [
      [0n, LEVEL.Signed],
      [THRESHOLDS.signedMax, LEVEL.Signed],
      [THRESHOLDS.signedMax + 1n, LEVEL.Attested],
      [THRESHOLDS.attestedMax, LEVEL.Attested],
      [THRESHOLDS.attestedMax + 1n, LEVEL.Proven],
      [parseEther("1000"), LEVEL.Proven],
    ];
    for (const [value, level] of cases) expect(await r.insurance.requiredLevel(value)).to.equal(BigInt(level));
    const factory = await ethers.getContractFactory("ParametricInsurance");
    await expect(ethers.deployContract("ParametricInsurance", [r.hubAddress, { signedMax: 2n, attestedMax: 1n }]))
      .to.be.revertedWithCustomError(factory, "ConsequencePolicyUnorderedThresholds")
      .withArgs(2n, 1n);
    await expect(ethers.deployContract("ParametricInsurance", [ZeroAddress, THRESHOLDS])).to.be.revertedWithCustomError(
      factory,
      "AssayConsumerZeroHub",
    );
  });

  it("issues policies only from the insurer and only against free funds", async function () {
    const r = await networkHelpers.loadFixture(insured);
    await expect(r.insurance.connect(r.user).issuePolicy(r.user.address, r.modelId, 1n, parseEther("1")))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceNotInsurer")
      .withArgs(r.user.address);
    await expect(r.insurance.issuePolicy(r.user.address, r.modelId, 1n, 0n))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceBadCoverage")
      .withArgs(0n);
    await expect(r.insurance.issuePolicy(r.user.address, r.modelId, 1n, parseEther("21")))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceUnderfunded")
      .withArgs(parseEther("21"), parseEther("20"));
    await expect(r.insurance.issuePolicy(r.user.address, r.modelId, 1n, parseEther("15")))
      .to.emit(r.insurance, "PolicyIssued")
      .withArgs(1n, r.user.address, r.modelId, 1n, parseEther("15"));
    expect(await r.insurance.freeFunds()).to.equal(parseEther("5"));
    await expect(r.insurance.connect(r.user).withdrawFree(1n))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceNotInsurer")
      .withArgs(r.user.address);
    await expect(r.insurance.withdrawFree(parseEther("6")))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceUnderfunded")
      .withArgs(parseEther("6"), parseEther("5"));
    await expect(r.insurance.withdrawFree(parseEther("5"))).to.changeEtherBalances(
      ethers,
      [r.admin, r.insurance],
      [parseEther("5"), -parseEther("5")],
    );
  });

  it("pays a small amount on a final Signed claim", async function () {
    const r = await networkHelpers.loadFixture(insured);
    const input = id("photo of a scratch");
    const commitment = BigInt(input) % 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    await (await r.insurance.issuePolicy(r.user.address, r.modelId, commitment, parseEther("0.9"))).wait();
    // Severity 1 of 9: 0.1 ETH, within the Signed threshold.
    const claim = makeClaim(r.modelId, await latest(ethers), { inputCommitment: commitment, output: 1n });
    const claimId = await submitSigned(r, r.operator, claim);
    const end = (await r.hub.receiptOf(claimId)).challengeEnd;
    await expect(r.insurance.claimPayout(1n, claim))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal")
      .withArgs(claimId, end, false);
    await networkHelpers.time.increaseTo(end + 1n);
    await expect(r.insurance.connect(r.challenger).claimPayout(1n, claim))
      .to.emit(r.insurance, "PayoutApproved")
      .withArgs(1n, claimId, 1n, LEVEL.Signed, parseEther("0.1"));
    expect(await r.insurance.owedTo(r.user.address)).to.equal(parseEther("0.1"));
    expect(await r.insurance.reserved()).to.equal(0n);
    expect(await r.insurance.freeFunds()).to.equal(parseEther("19.9"));
    await expect(r.insurance.claimPayout(1n, claim))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceSettled")
      .withArgs(1n);
    const tx = r.insurance.connect(r.user).withdraw();
    await expect(tx).to.emit(r.insurance, "Withdrawn").withArgs(r.user.address, parseEther("0.1"));
    await expect(tx).to.changeEtherBalances(ethers, [r.user, r.insurance], [parseEther("0.1"), -parseEther("0.1")]);
    await expect(r.insurance.connect(r.user).withdraw())
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceNothingOwed")
      .withArgs(r.user.address);
  });

  it("needs Attested for a medium payout and Proven above the threshold", async function () {
    const r = await networkHelpers.loadFixture(insured);
    // Policy 1: 1.8 ETH coverage, severity 5 -> 1 ETH: Attested.
    const c1 = makeClaim(r.modelId, await latest(ethers), { output: 5n });
    await (await r.insurance.issuePolicy(r.user.address, r.modelId, c1.inputCommitment, parseEther("1.8"))).wait();
    const signedId = await submitSigned(r, r.operator, c1);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(1n, c1))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
      .withArgs(signedId, LEVEL.Signed, LEVEL.Attested);
    const c1b = { ...c1, requestId: id("attested request"), deadline: (await latest(ethers)) + 3600n };
    const attestedId = await submitAttested(r, c1b);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(1n, c1b))
      .to.emit(r.insurance, "PayoutApproved")
      .withArgs(1n, attestedId, 5n, LEVEL.Attested, parseEther("1"));

    // Policy 2: 9 ETH coverage on a toy input whose output (11) counts as severity 9: Proven.
    const commitment = await toyCommitment(1n, 42n);
    await (await r.insurance.issuePolicy(r.user.address, r.modelId, commitment, parseEther("9"))).wait();
    const c2 = makeClaim(r.modelId, await latest(ethers), { inputCommitment: commitment, output: toyOutput(1n) });
    const attested2 = await submitAttested(r, c2);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(2n, c2))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
      .withArgs(attested2, LEVEL.Attested, LEVEL.Proven);
    const p = await proveToy(r.toy, 1n, 42n, bindingFor(attested2, r.user.address));
    await (await r.hub.connect(r.user).submitProven(c2, p.proof)).wait();
    await expect(r.insurance.claimPayout(2n, c2))
      .to.emit(r.insurance, "PayoutApproved")
      .withArgs(2n, attested2, 9n, LEVEL.Proven, parseEther("9"));
    expect(await r.insurance.owedTo(r.user.address)).to.equal(parseEther("10"));
    // 20 funded, 10 owed; the unpaid 0.8 of policy 1 is free again.
    expect(await r.insurance.freeFunds()).to.equal(parseEther("10"));
  });

  it("refuses claims about another model or input, unknown policies and refuted claims", async function () {
    const r = await networkHelpers.loadFixture(insured);
    const commitment = await toyCommitment(2n, 9n);
    await (await r.insurance.issuePolicy(r.user.address, r.modelId, commitment, parseEther("0.9"))).wait();
    const now = await latest(ethers);
    const otherModel = makeClaim(id("other model"), now, { inputCommitment: commitment, output: 1n });
    await expect(r.insurance.claimPayout(1n, otherModel))
      .to.be.revertedWithCustomError(r.insurance, "AssayConsumerWrongModel")
      .withArgs(r.modelId, otherModel.modelId);
    const otherInput = makeClaim(r.modelId, now, { output: 1n });
    await expect(r.insurance.claimPayout(1n, otherInput))
      .to.be.revertedWithCustomError(r.insurance, "AssayConsumerWrongInput")
      .withArgs(commitment, otherInput.inputCommitment);
    await expect(r.insurance.claimPayout(7n, otherInput))
      .to.be.revertedWithCustomError(r.insurance, "ParametricInsuranceUnknownPolicy")
      .withArgs(7n);
    const unrecorded = makeClaim(r.modelId, now, { inputCommitment: commitment, output: 1n });
    await expect(r.insurance.claimPayout(1n, unrecorded))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubUnknownClaim")
      .withArgs(idOf(r, unrecorded));
    // A lie (the toy model says 17 for x = 2) is refuted, and pays nothing.
    const lie = makeClaim(r.modelId, now, { inputCommitment: commitment, output: 1n });
    const lieId = await submitSigned(r, r.operator, lie);
    const p = await proveToy(r.toy, 2n, 9n, bindingFor(lieId, r.challenger.address));
    await (await r.hub.connect(r.challenger).refute(lie, toyOutput(2n), p.proof)).wait();
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(1n, lie))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(lieId);
  });
});

// Attacks on a contract built on the consumer kit (contracts/consumer/AssayConsumer.sol): the
// example insurer ParametricInsurance and the bounty vault AssayConsumerHarness.
// - a true, final claim about another model (the attacker's own, registered and staked for);
// - a true claim about the insured model on another input (a worse photo);
// - the same claim brought twice (two policies on one input, a bounty paid per claim);
// - a lie made final on a weaker deployment (1-second windows) where the same model is registered;
// - a lie brought while it can still be refuted, and a lie that nobody challenged in time.
// Defences: the kit's model and input checks, its once-per-claim record, the hub it trusts
// (claim ids bind the hub's address and chain), and finality: a consumer acts only on a claim
// whose challenge window is over; what an unchallenged Signed lie can take is bounded by the
// consumer's own signedMax.
import { expect } from "chai";
import { network } from "hardhat";
import { id, parseEther } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import { claimIdOf } from "../../prover/chain/claim.js";
import { familyIdOf } from "../../prover/chain/protocol-client.js";
import type { AssayConsumerHarness, ParametricInsurance } from "../../types/ethers-contracts/index.js";
import {
  defaultParams,
  deployProtocolContracts,
  idOf,
  LEVEL,
  latest,
  makeClaim,
  modelInput,
  readyProtocol,
  sign,
  submitSigned,
  type Ready,
} from "../contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** Signed up to 1 ETH, Attested up to 5 ETH, Proven above. */
const THRESHOLDS = { signedMax: parseEther("1"), attestedMax: parseEther("5") };

async function insurer(): Promise<Ready & { insurance: ParametricInsurance; vault: AssayConsumerHarness }> {
  const r = await readyProtocol(ethers);
  const insurance = (await ethers.deployContract("ParametricInsurance", [
    r.hubAddress,
    THRESHOLDS,
  ])) as unknown as ParametricInsurance;
  await (await insurance.fund({ value: parseEther("10") })).wait();
  const vault = (await ethers.deployContract("AssayConsumerHarness", [r.hubAddress, THRESHOLDS], {
    value: parseEther("10"),
  })) as unknown as AssayConsumerHarness;
  return { ...r, insurance, vault };
}

/** Issues a 1.8 ETH policy to the user on the toy input (x, salt); its severity-5 payout is 1 ETH. */
async function policyOn(r: Awaited<ReturnType<typeof insurer>>, x: bigint, salt: bigint): Promise<bigint> {
  const commitment = await toyCommitment(x, salt);
  await (await r.insurance.issuePolicy(r.user.address, r.modelId, commitment, parseEther("1.8"))).wait();
  return commitment;
}

describe("attack: fooling a consumer built on the kit", function () {
  after(releaseToyModel);

  it("a true, final claim about the attacker's own model pays nothing", async function () {
    const r = await networkHelpers.loadFixture(insurer);
    const commitment = await policyOn(r, 0n, 1n);
    // The attacker (the policy holder's accomplice) registers a model in its own namespace with the
    // same circuit, stakes, and signs "severity 9" about the insured input.
    const attacker = r.others[0];
    const own = modelInput(r.toy, { family: familyIdOf(attacker.address, "toy-model") });
    await (await r.hub.connect(attacker).registerModelVersion(own)).wait();
    const ownModel = await r.hub.modelIdOf(own.family, 1);
    await (await r.hub.connect(attacker).stake({ value: parseEther("2") })).wait();
    const claim = makeClaim(ownModel, await latest(ethers), { inputCommitment: commitment, output: 9n });
    const claimId = await submitSigned(r, attacker, claim);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    expect(await r.hub.isFinal(claimId)).to.equal(true);
    const free = await r.insurance.freeFunds();
    await expect(r.insurance.claimPayout(1n, claim))
      .to.be.revertedWithCustomError(r.insurance, "AssayConsumerWrongModel")
      .withArgs(r.modelId, ownModel);
    // Nobody is paid; the insurer's funds and the policy are untouched.
    expect(await r.insurance.owedTo(r.user.address)).to.equal(0n);
    expect(await r.insurance.freeFunds()).to.equal(free);
    expect((await r.insurance.policyOf(1n)).settled).to.equal(false);
  });

  it("a true, Proven claim about the insured model on another input pays nothing", async function () {
    const r = await networkHelpers.loadFixture(insurer);
    const commitment = await policyOn(r, 0n, 2n);
    // x = 1 gives 11 (severity 9): proven, about a different input than the insured one.
    const other = makeClaim(r.modelId, await latest(ethers), {
      inputCommitment: await toyCommitment(1n, 2n),
      output: toyOutput(1n),
    });
    const p = await proveToy(r.toy, 1n, 2n, bindingFor(idOf(r, other), r.user.address));
    await (await r.hub.connect(r.user).submitProven(other, p.proof)).wait();
    await expect(r.insurance.claimPayout(1n, other))
      .to.be.revertedWithCustomError(r.insurance, "AssayConsumerWrongInput")
      .withArgs(commitment, other.inputCommitment);
    expect(await r.insurance.owedTo(r.user.address)).to.equal(0n);
  });

  it("a claim brought twice pays once: two policies on one input, a bounty per claim", async function () {
    const r = await networkHelpers.loadFixture(insurer);
    // Two 1.2 ETH policies over the same photo; the truth (x = 0: severity 7) pays 0.93 ETH: Signed.
    const commitment = await toyCommitment(0n, 3n);
    for (let i = 0; i < 2; i++) {
      await (await r.insurance.issuePolicy(r.user.address, r.modelId, commitment, parseEther("1.2"))).wait();
    }
    const claim = makeClaim(r.modelId, await latest(ethers), { inputCommitment: commitment, output: toyOutput(0n) });
    const claimId = await submitSigned(r, r.operator, claim);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    const payout = (parseEther("1.2") * 7n) / 9n;
    await expect(r.insurance.claimPayout(1n, claim))
      .to.emit(r.insurance, "PayoutApproved")
      .withArgs(1n, claimId, 7n, LEVEL.Signed, payout);
    await expect(r.insurance.claimPayout(2n, claim))
      .to.be.revertedWithCustomError(r.insurance, "AssayConsumerClaimAlreadyAccepted")
      .withArgs(claimId);
    expect(await r.insurance.owedTo(r.user.address)).to.equal(payout);
    expect((await r.insurance.policyOf(2n)).settled).to.equal(false);

    // The vault pays whoever brings an accepted claim: the second time, nothing.
    await (await r.vault.setExpectation(r.modelId, commitment)).wait();
    const bringer = r.others[1];
    const first = r.vault.connect(bringer).claimBounty(claim, parseEther("1"));
    await expect(first).to.changeEtherBalances(ethers, [bringer, r.vault], [parseEther("1"), -parseEther("1")]);
    await expect(r.vault.connect(bringer).claimBounty(claim, parseEther("1")))
      .to.be.revertedWithCustomError(r.vault, "AssayConsumerClaimAlreadyAccepted")
      .withArgs(claimId);
    // The same statement under a new request id is a new claim: it must be recorded (and backed) anew.
    const again = { ...claim, requestId: id("replayed request") };
    await expect(r.vault.connect(bringer).claimBounty(again, parseEther("1")))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubUnknownClaim")
      .withArgs(idOf(r, again));
    expect(await ethers.provider.getBalance(await r.vault.getAddress())).to.equal(parseEther("9"));
  });

  it("a lie made final on a weaker deployment of the same model is unknown to the consumer's hub", async function () {
    const r = await networkHelpers.loadFixture(insurer);
    const commitment = await policyOn(r, 0n, 4n);
    // The model's owner also registered it on a second deployment (1-second windows): same model id.
    const weak = await deployProtocolContracts(ethers, await r.verifier.getAddress(), r.admin.address, {
      ...defaultParams(r.treasury.address),
      challengeWindow: 1,
      responseWindow: 1,
      unbondingDelay: 4,
    });
    await (await weak.registerModelVersion(modelInput(r.toy))).wait();
    expect(await weak.modelIdOf(r.model.family, 1)).to.equal(r.modelId);
    // An operator there signs "severity 9" about the insured input; nobody watches: final in 2 s.
    const attacker = r.others[2];
    await (await weak.connect(attacker).stake({ value: parseEther("1") })).wait();
    const lie = makeClaim(r.modelId, await latest(ethers), { inputCommitment: commitment, output: 9n });
    const weakAddress = await weak.getAddress();
    const sig = await sign({ ...r, hubAddress: weakAddress }, attacker, lie);
    await (await weak.submitSigned(lie, sig.r, sig.vs)).wait();
    await networkHelpers.time.increase(2);
    expect(await weak.isFinal(claimIdOf(lie, r.chainId, weakAddress))).to.equal(true);
    // The insurer trusts its own hub only; there the claim (its id binds the hub) was never recorded.
    await expect(r.insurance.claimPayout(1n, lie))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubUnknownClaim")
      .withArgs(idOf(r, lie));
    expect(idOf(r, lie)).to.not.equal(claimIdOf(lie, r.chainId, weakAddress));
    expect(await r.insurance.owedTo(r.user.address)).to.equal(0n);
  });

  it("a lie brought inside its window is refused, then refuted: the liar's backer pays", async function () {
    const r = await networkHelpers.loadFixture(insurer);
    const commitment = await policyOn(r, 0n, 5n);
    // The truth for x = 0 is severity 7 (1.4 ETH of 1.8: Attested); the operator signs 5 (1 ETH: Signed).
    const lie = makeClaim(r.modelId, await latest(ethers), { inputCommitment: commitment, output: 5n });
    const lieId = await submitSigned(r, r.operator, lie);
    const end = (await r.hub.receiptOf(lieId)).challengeEnd;
    await expect(r.insurance.claimPayout(1n, lie))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal")
      .withArgs(lieId, end, false);
    const before = (await r.hub.operatorAccount(r.operator.address)).active;
    const p = await proveToy(r.toy, 0n, 5n, bindingFor(lieId, r.challenger.address));
    await (await r.hub.connect(r.challenger).refute(lie, toyOutput(0n), p.proof)).wait();
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(1n, lie))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(lieId);
    // The backer lost the slash amount: the refuter's share and the treasury's rest; the insurer nothing.
    const slashed = r.params.slashAmount;
    const share = (slashed * BigInt(r.params.challengerShareBps)) / 10_000n;
    expect((await r.hub.operatorAccount(r.operator.address)).active).to.equal(before - slashed);
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(share);
    expect(await r.hub.creditOf(r.treasury.address)).to.equal(slashed - share);
    expect(await r.insurance.owedTo(r.user.address)).to.equal(0n);
    expect(await r.insurance.freeFunds()).to.equal(parseEther("10") - parseEther("1.8"));
  });

  it("a Signed lie nobody challenged in time stands: the loss is bounded by signedMax", async function () {
    const r = await networkHelpers.loadFixture(insurer);
    const commitment = await policyOn(r, 0n, 6n);
    // The operator signs severity 5 (a 1 ETH payout, the Signed maximum) where the truth is 7.
    const lie = makeClaim(r.modelId, await latest(ethers), { inputCommitment: commitment, output: 5n });
    const lieId = await submitSigned(r, r.operator, lie);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(1n, lie))
      .to.emit(r.insurance, "PayoutApproved")
      .withArgs(1n, lieId, 5n, LEVEL.Signed, parseEther("1"));
    // After acceptance the claim can no longer be refuted: its window is over.
    const p = await proveToy(r.toy, 0n, 6n, bindingFor(lieId, r.challenger.address));
    const end = (await r.hub.receiptOf(lieId)).challengeEnd;
    await expect(r.hub.connect(r.challenger).refute(lie, toyOutput(0n), p.proof))
      .to.be.revertedWithCustomError(r.hub, "DisputeWindowClosed")
      .withArgs(lieId, end);
    // The insurer paid on the lie, never more than its Signed threshold; a larger payout of the
    // same lie would have needed Attested or Proven evidence.
    expect(await r.insurance.owedTo(r.user.address)).to.equal(THRESHOLDS.signedMax);
    const bigger = await toyCommitment(0n, 7n);
    await (await r.insurance.issuePolicy(r.user.address, r.modelId, bigger, parseEther("3.6"))).wait();
    const lie2 = makeClaim(r.modelId, await latest(ethers), { inputCommitment: bigger, output: 5n });
    const lie2Id = await submitSigned(r, r.operator, lie2);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.insurance.claimPayout(2n, lie2))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
      .withArgs(lie2Id, LEVEL.Signed, LEVEL.Attested);
  });
});

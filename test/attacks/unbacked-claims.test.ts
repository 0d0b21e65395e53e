// Attacks on the stake behind Signed and Attested claims:
// - the attestation-verifier role (a registrar overreaching) registers an enclave key against an
//   operator that never agreed, so the operator's stake answers for a key it does not run;
// - an operator slashed (or unbonded) below the minimum keeps making claims that consumers accept
//   as final, with nothing left to lose;
// - a consumer risking more than the backer's stake accepts a cheap claim anyway.
// Defences: a key is only registered on its operator's EIP-712 consent (or its own call) while it
// is staked; a Signed/Attested claim is never final while its backer's active stake is below the
// minimum; ConsequencePolicy.check asks the hub for a backing stake covering the value at risk.
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, id, parseEther } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import type { ParametricInsurance } from "../../types/ethers-contracts/index.js";
import {
  backingConsent,
  idOf,
  LEVEL,
  latest,
  makeClaim,
  readyProtocol,
  signAttested,
  submitAttested,
  submitSigned,
} from "../contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

describe("attack: claims without a consenting, staked backer", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("the attestation-verifier role cannot put a key on an operator's stake without its consent", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const rogue = Wallet.createRandom();
    const expiry = (await latest(ethers)) + 86_400n;
    const asRole = r.hub.connect(r.attester);
    const victim = r.operator;
    // No signature; the role's own signature; the victim's consent to a different key.
    const forged = [
      "0x",
      await backingConsent(r.hub, r.attester, rogue.address, r.image, expiry),
      await backingConsent(r.hub, victim, Wallet.createRandom().address, r.image, expiry),
    ];
    for (const sig of forged) {
      await expect(asRole.registerEnclaveKey(rogue.address, r.image, id("doc"), expiry, victim.address, sig))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryNoOperatorConsent")
        .withArgs(victim.address, rogue.address);
    }
    // So the rogue key cannot attest, and the victim's stake never answers for it.
    const claim = makeClaim(r.modelId, await latest(ethers));
    const s = await signAttested(r, rogue, claim);
    await expect(r.hub.submitAttested(claim, r.toy.keyId, s.r, s.vs))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownKey")
      .withArgs(rogue.address);
    expect((await r.hub.operatorAccount(victim.address)).active).to.equal(r.params.minStake * 2n);
  });

  it("an operator slashed below the minimum: its claims are not final, its batches do not import", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const now = await latest(ethers);
    // A true claim of operator2 (stake exactly the minimum), then a lie that costs it its stake.
    const truth = makeClaim(r.modelId, now, { inputCommitment: await toyCommitment(3n, 1n), output: toyOutput(3n) });
    const truthId = await submitSigned(r, r.operator2, truth);
    const lie = makeClaim(r.modelId, now, { inputCommitment: await toyCommitment(4n, 1n), output: 0n });
    const lieId = await submitSigned(r, r.operator2, lie);
    const p = await proveToy(r.toy, 4n, 1n, bindingFor(lieId, r.challenger.address));
    await (await r.hub.connect(r.challenger).refute(lie, toyOutput(4n), p.proof)).wait();
    expect((await r.hub.operatorAccount(r.operator2.address)).active).to.equal(0n);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    // The window of the true claim is over and nobody disputes it, but nothing backs it any more.
    expect(await r.hub.isFinal(truthId)).to.equal(false);
    await expect(r.hub.requireLevel(truth, LEVEL.Signed))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubBackerUnderstaked")
      .withArgs(truthId, r.operator2.address, 0, r.params.minStake);
    expect(await r.hub.backingOf(truthId)).to.deep.equal([r.operator2.address, 0n]);
    // Topping up restores it (the claim was true all along).
    await (await r.hub.connect(r.operator2).stake({ value: r.params.minStake })).wait();
    expect(await r.hub.isFinal(truthId)).to.equal(true);
    // A Proven claim needs no backer.
    const proven = makeClaim(r.modelId, await latest(ethers), {
      inputCommitment: await toyCommitment(5n, 1n),
      output: toyOutput(5n),
    });
    const q = await proveToy(r.toy, 5n, 1n, bindingFor(idOf(r, proven), r.user.address));
    await (await r.hub.connect(r.user).submitProven(proven, q.proof)).wait();
    expect(await r.hub.backingOf(idOf(r, proven))).to.deep.equal([ethers.ZeroAddress, 0n]);
    expect(await r.hub.requireBacking(proven, LEVEL.Proven, parseEther("1000"))).to.deep.equal([
      idOf(r, proven),
      proven.output,
    ]);
  });

  it("an enclave operator that unbonds leaves its keys' Attested claims unfinal", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claim = makeClaim(r.modelId, await latest(ethers));
    const claimId = await submitAttested(r, claim);
    await (await r.hub.connect(r.enclaveOperator).requestUnbonding(r.params.minStake)).wait();
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    expect(await r.hub.isFinal(claimId)).to.equal(false);
    await expect(r.hub.requireLevel(claim, LEVEL.Attested))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubBackerUnderstaked")
      .withArgs(claimId, r.enclaveOperator.address, 0, r.params.minStake);
  });

  it("a consumer demanding stake >= value at risk refuses a claim its backer cannot cover", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    // Thresholds: Signed up to 3 ETH, Attested up to 5 ETH, Proven above.
    const insurance = (await ethers.deployContract("ParametricInsurance", [
      r.hubAddress,
      { signedMax: parseEther("3"), attestedMax: parseEther("5") },
    ])) as unknown as ParametricInsurance;
    await (await insurance.fund({ value: parseEther("10") })).wait();
    // 4.5 ETH coverage at severity 4 of 9: a 2 ETH payout, within Signed.
    const claim = makeClaim(r.modelId, await latest(ethers), { output: 4n });
    await (await insurance.issuePolicy(r.user.address, r.modelId, claim.inputCommitment, parseEther("4.5"))).wait();
    const claimId = await submitSigned(r, r.operator2, claim);
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    // The claim is final for the protocol (operator2 holds the 1 ETH minimum)...
    expect(await r.hub.isFinal(claimId)).to.equal(true);
    // ...but 1 ETH of stake does not cover a 2 ETH payout.
    await expect(insurance.claimPayout(1n, claim))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubBackerUnderstaked")
      .withArgs(claimId, r.operator2.address, parseEther("1"), parseEther("2"));
    await (await r.hub.connect(r.operator2).stake({ value: parseEther("1") })).wait();
    await expect(insurance.claimPayout(1n, claim))
      .to.emit(insurance, "PayoutApproved")
      .withArgs(1n, claimId, 4n, LEVEL.Signed, parseEther("2"));
  });
});

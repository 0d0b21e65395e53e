import { expect } from "chai";
import { network } from "hardhat";
import { id, parseEther, ZeroAddress } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import type { Claim } from "../../prover/chain/claim.js";
import {
  LEVEL,
  deployProtocolContracts,
  defaultParams,
  idOf,
  latest,
  makeClaim,
  fam,
  modelInput,
  readyProtocol,
  sign,
  signAttested,
  backingConsent,
  submitAttested,
  submitSigned,
  type Ready,
  challengeAs,
  owedByHub,
} from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** A claim about input x (salt s) with output `output` (the true one unless given). */
async function toyClaim(r: Ready, x: bigint, salt: bigint, output = toyOutput(x)): Promise<Claim> {
  return makeClaim(r.modelId, await latest(ethers), { inputCommitment: await toyCommitment(x, salt), output });
}

/** Balance of the hub equals everything it owes: stakes, credits and open bonds. */
async function expectReconciled(r: Ready, openBonds: bigint) {
  expect(await ethers.provider.getBalance(r.hubAddress)).to.equal(await owedByHub(r, openBonds));
}

describe("ClaimDisputes", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  const share = (r: Ready, slashed: bigint) => (slashed * BigInt(r.params.challengerShareBps)) / 10_000n;

  it("opens a challenge with the exact bond, inside the window, once", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claim = await toyClaim(r, 2n, 3n);
    const claimId = await submitSigned(r, r.operator, claim);
    const bond = r.params.challengeBond;
    await expect(challengeAs(r.hub, r.challenger, claimId, bond - 1n))
      .to.be.revertedWithCustomError(r.hub, "DisputeWrongBond")
      .withArgs(bond, bond - 1n);
    const unknown = id("unknown claim");
    await expect(challengeAs(r.hub, r.challenger, unknown, bond))
      .to.be.revertedWithCustomError(r.hub, "DisputeNotDisputable")
      .withArgs(unknown);
    const tx = await challengeAs(r.hub, r.challenger, claimId, bond);
    const ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    const deadline = ts + BigInt(r.params.responseWindow);
    await expect(tx).to.emit(r.hub, "ClaimChallenged").withArgs(claimId, r.challenger.address, bond, deadline);
    await expect(tx).to.changeEtherBalances(ethers, [r.challenger, r.hub], [-bond, bond]);
    const dispute = await r.hub.disputeOf(claimId);
    expect([dispute.challenger, dispute.responseDeadline]).to.deep.equal([r.challenger.address, deadline]);
    expect((await r.hub.receiptOf(claimId)).disputed).to.equal(true);
    expect((await r.hub.operatorAccount(r.operator.address)).openDisputes).to.equal(1n);
    await expect(challengeAs(r.hub, r.user, claimId, bond))
      .to.be.revertedWithCustomError(r.hub, "DisputeAlreadyOpen")
      .withArgs(claimId, r.challenger.address);
    // Past the window (and past the dispute) a claim stays disputed until settled: not final.
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    expect(await r.hub.isFinal(claimId)).to.equal(false);
    const end = (await r.hub.receiptOf(claimId)).challengeEnd;
    await expect(r.hub.requireLevel(claim, LEVEL.Signed))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal")
      .withArgs(claimId, end, true);
    await expectReconciled(r, bond);

    const late = await toyClaim(r, 4n, 4n);
    const lateId = await submitSigned(r, r.operator, late);
    const lateEnd = (await r.hub.receiptOf(lateId)).challengeEnd;
    await networkHelpers.time.increaseTo(lateEnd + 1n);
    await expect(challengeAs(r.hub, r.challenger, lateId, bond))
      .to.be.revertedWithCustomError(r.hub, "DisputeWindowClosed")
      .withArgs(lateId, lateEnd);
  });

  it("lets the operator defend a true claim with a proof: the bond pays the defender", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claim = await toyClaim(r, 6n, 1n);
    const claimId = await submitSigned(r, r.operator, claim);
    const bond = r.params.challengeBond;
    await (await challengeAs(r.hub, r.challenger, claimId, bond)).wait();
    // Stake cannot leave while the dispute is open, even after the unbonding delay.
    await (await r.hub.connect(r.operator).requestUnbonding(parseEther("0.5"))).wait();
    const p = await proveToy(r.toy, 6n, 1n, bindingFor(claimId, r.operator.address));
    const tx = r.hub.connect(r.operator).submitProven(claim, p.proof);
    await expect(tx).to.emit(r.hub, "ClaimProven").withArgs(claimId, r.operator.address, LEVEL.Signed);
    await expect(tx)
      .to.emit(r.hub, "ChallengeDefeated")
      .withArgs(claimId, r.challenger.address, r.operator.address, bond);
    await expect(tx).to.emit(r.hub, "Credited").withArgs(r.operator.address, bond);
    const receipt = await r.hub.receiptOf(claimId);
    expect([receipt.level, receipt.disputed, receipt.refuted]).to.deep.equal([BigInt(LEVEL.Proven), false, false]);
    expect((await r.hub.disputeOf(claimId)).challenger).to.equal(ZeroAddress);
    expect((await r.hub.operatorAccount(r.operator.address)).openDisputes).to.equal(0n);
    expect(await r.hub.creditOf(r.operator.address)).to.equal(bond);
    await expectReconciled(r, 0n);
    const w = r.hub.connect(r.operator).withdrawCredit();
    await expect(w).to.emit(r.hub, "CreditWithdrawn").withArgs(r.operator.address, bond);
    await expect(w).to.changeEtherBalances(ethers, [r.operator, r.hub], [bond, -bond]);
    await expect(r.hub.connect(r.challenger).refute(claim, claim.output + 1n, p.proof))
      .to.be.revertedWithCustomError(r.hub, "DisputeNotDisputable")
      .withArgs(claimId);
  });

  it("refutes a false claim at once by proof: slashes the operator, pays the refuter and treasury", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const truth = toyOutput(8n);
    const lie = await toyClaim(r, 8n, 5n, truth + 1n);
    const claimId = await submitSigned(r, r.operator, lie);
    const p = await proveToy(r.toy, 8n, 5n, bindingFor(claimId, r.challenger.address));
    expect(p.output).to.equal(truth);
    // The proven output must differ from the claim's.
    await expect(r.hub.connect(r.challenger).refute(lie, lie.output, p.proof))
      .to.be.revertedWithCustomError(r.hub, "DisputeSameOutput")
      .withArgs(claimId, lie.output);
    // Front-running the refutation with the same proof fails: it is bound to the challenger.
    await expect(r.hub.connect(r.user).refute(lie, truth, p.proof))
      .to.be.revertedWithCustomError(r.hub, "DisputeProofRejected")
      .withArgs(claimId, r.toy.keyId);
    const slashed = r.params.slashAmount;
    const tx = r.hub.connect(r.challenger).refute(lie, truth, p.proof);
    await expect(tx)
      .to.emit(r.hub, "ClaimRefuted")
      .withArgs(claimId, r.challenger.address, r.operator.address, truth, slashed);
    await expect(tx).to.emit(r.hub, "StakeSlashed").withArgs(r.operator.address, claimId, slashed);
    await expect(tx).to.emit(r.hub, "Credited").withArgs(r.challenger.address, share(r, slashed));
    await expect(tx)
      .to.emit(r.hub, "Credited")
      .withArgs(r.treasury.address, slashed - share(r, slashed));
    expect(await r.hub.levelOf(claimId)).to.equal(BigInt(LEVEL.None));
    expect((await r.hub.receiptOf(claimId)).refuted).to.equal(true);
    expect((await r.hub.operatorAccount(r.operator.address)).active).to.equal(r.params.minStake * 2n - slashed);
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(share(r, slashed));
    expect(await r.hub.creditOf(r.treasury.address)).to.equal(slashed - share(r, slashed));
    await expectReconciled(r, 0n);
    await expect(r.hub.outputOf(lie)).to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted").withArgs(claimId);
    await expect(r.hub.requireLevel(lie, LEVEL.Signed))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(claimId);
    await expect(r.hub.connect(r.challenger).refute(lie, truth, p.proof))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(claimId);
    await expect(challengeAs(r.hub, r.challenger, claimId, r.params.challengeBond))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(claimId);
    // A refuted claim cannot be raised, nor recorded again.
    const q = await proveToy(r.toy, 8n, 5n, bindingFor(claimId, r.operator.address));
    await expect(r.hub.connect(r.operator).submitProven(lie, q.proof))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimRefuted")
      .withArgs(claimId);
    const again = await sign(r, r.operator, lie);
    await expect(r.hub.submitSigned(lie, again.r, again.vs))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExists")
      .withArgs(claimId, LEVEL.None);
  });

  it("refutes a challenged claim: the challenger gets its bond back and the share, whoever refutes", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await toyClaim(r, 10n, 1n, 0n);
    const claimId = await submitSigned(r, r.operator, lie);
    const bond = r.params.challengeBond;
    await (await challengeAs(r.hub, r.challenger, claimId, bond)).wait();
    // After the window, only the open dispute keeps refutation possible.
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    const p = await proveToy(r.toy, 10n, 1n, bindingFor(claimId, r.user.address));
    const tx = r.hub.connect(r.user).refute(lie, toyOutput(10n), p.proof);
    await expect(tx)
      .to.emit(r.hub, "ClaimRefuted")
      .withArgs(claimId, r.user.address, r.operator.address, toyOutput(10n), r.params.slashAmount);
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(bond + share(r, r.params.slashAmount));
    expect(await r.hub.creditOf(r.user.address)).to.equal(0n);
    expect((await r.hub.operatorAccount(r.operator.address)).openDisputes).to.equal(0n);
    expect((await r.hub.disputeOf(claimId)).challenger).to.equal(ZeroAddress);
    await expectReconciled(r, 0n);
  });

  it("only refutes within the window when no dispute is open", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await toyClaim(r, 12n, 1n, 1n);
    const claimId = await submitSigned(r, r.operator, lie);
    const end = (await r.hub.receiptOf(claimId)).challengeEnd;
    await networkHelpers.time.increaseTo(end + 1n);
    const p = await proveToy(r.toy, 12n, 1n, bindingFor(claimId, r.challenger.address));
    await expect(r.hub.connect(r.challenger).refute(lie, toyOutput(12n), p.proof))
      .to.be.revertedWithCustomError(r.hub, "DisputeWindowClosed")
      .withArgs(claimId, end);
    expect(await r.hub.isFinal(claimId)).to.equal(true);
    const unknown = { ...lie, requestId: id("never recorded") };
    await expect(r.hub.connect(r.challenger).refute(unknown, toyOutput(12n), p.proof))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubUnknownClaim")
      .withArgs(idOf(r, unknown));
  });

  it("slashes an unanswered challenge at the deadline, without calling the verifier", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    // A true claim whose operator simply does not answer in time.
    const claim = await toyClaim(r, 14n, 2n);
    const claimId = await submitSigned(r, r.operator, claim);
    await expect(r.hub.resolveTimeout(claimId))
      .to.be.revertedWithCustomError(r.hub, "DisputeNotOpen")
      .withArgs(claimId);
    const bond = r.params.challengeBond;
    await (await challengeAs(r.hub, r.challenger, claimId, bond)).wait();
    const deadline = (await r.hub.disputeOf(claimId)).responseDeadline;
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await expect(r.hub.resolveTimeout(claimId))
      .to.be.revertedWithCustomError(r.hub, "DisputeResponsePending")
      .withArgs(claimId, deadline);
    await networkHelpers.time.increaseTo(deadline + 1n);
    const p = await proveToy(r.toy, 14n, 2n, bindingFor(claimId, r.operator.address));
    await expect(r.hub.connect(r.operator).submitProven(claim, p.proof))
      .to.be.revertedWithCustomError(r.hub, "DisputeResponseClosed")
      .withArgs(claimId, deadline);
    const slashed = r.params.slashAmount;
    const tx = r.hub.connect(r.user).resolveTimeout(claimId);
    await expect(tx)
      .to.emit(r.hub, "ChallengeTimedOut")
      .withArgs(claimId, r.challenger.address, r.operator.address, slashed);
    await expect(tx).to.emit(r.hub, "Credited").withArgs(r.challenger.address, bond);
    await expect(tx).to.emit(r.hub, "Credited").withArgs(r.challenger.address, share(r, slashed));
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(bond + share(r, slashed));
    expect(await r.hub.creditOf(r.treasury.address)).to.equal(slashed - share(r, slashed));
    expect(await r.hub.levelOf(claimId)).to.equal(BigInt(LEVEL.None));
    await expectReconciled(r, 0n);
    await expect(r.hub.resolveTimeout(claimId))
      .to.be.revertedWithCustomError(r.hub, "DisputeNotOpen")
      .withArgs(claimId);
  });

  it("keeps stake slashable through unbonding until every dispute is settled", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    // operator2 has exactly the minimum; it signs a lie, then tries to leave at once.
    const lie = await toyClaim(r, 16n, 3n, 99n);
    const claimId = await submitSigned(r, r.operator2, lie);
    await (await r.hub.connect(r.operator2).requestUnbonding(parseEther("0.4"))).wait();
    await (await challengeAs(r.hub, r.challenger, claimId, r.params.challengeBond)).wait();
    await networkHelpers.time.increase(r.params.unbondingDelay + 1);
    await expect(r.hub.connect(r.operator2).withdrawStake())
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingDisputesOpen")
      .withArgs(r.operator2.address, 1);
    await (await r.hub.resolveTimeout(claimId)).wait();
    // 1 ETH slashed: 0.6 active, then 0.4 unbonding.
    const account = await r.hub.operatorAccount(r.operator2.address);
    expect([account.active, account.unbonding]).to.deep.equal([0n, 0n]);
    await expect(r.hub.connect(r.operator2).withdrawStake())
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingNothingUnbonding")
      .withArgs(r.operator2.address);
    await expectReconciled(r, 0n);
  });

  it("pays only what is left when the stake is exhausted", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lies = [await toyClaim(r, 20n, 1n, 5n), await toyClaim(r, 21n, 1n, 5n)];
    const ids = [];
    for (const lie of lies) ids.push(await submitSigned(r, r.operator2, lie));
    for (const [i, lie] of lies.entries()) {
      const x = 20n + BigInt(i);
      const p = await proveToy(r.toy, x, 1n, bindingFor(ids[i], r.challenger.address));
      const expected = i === 0 ? r.params.slashAmount : 0n;
      await expect(r.hub.connect(r.challenger).refute(lie, toyOutput(x), p.proof))
        .to.emit(r.hub, "ClaimRefuted")
        .withArgs(ids[i], r.challenger.address, r.operator2.address, toyOutput(x), expected);
    }
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(share(r, r.params.slashAmount));
    await expectReconciled(r, 0n);
  });

  it("refuting an Attested claim revokes its key and slashes the key's operator", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await toyClaim(r, 30n, 1n, 1234n);
    const claimId = await submitAttested(r, lie);
    await (await challengeAs(r.hub, r.challenger, claimId, r.params.challengeBond)).wait();
    expect((await r.hub.operatorAccount(r.enclaveOperator.address)).openDisputes).to.equal(1n);
    const p = await proveToy(r.toy, 30n, 1n, bindingFor(claimId, r.challenger.address));
    const tx = r.hub.connect(r.challenger).refute(lie, toyOutput(30n), p.proof);
    await expect(tx).to.emit(r.hub, "EnclaveKeyRevoked").withArgs(r.enclave.address, true);
    await expect(tx)
      .to.emit(r.hub, "ClaimRefuted")
      .withArgs(claimId, r.challenger.address, r.enclaveOperator.address, toyOutput(30n), r.params.slashAmount);
    expect((await r.hub.enclaveKey(r.enclave.address)).revoked).to.equal(true);
    expect((await r.hub.operatorAccount(r.enclaveOperator.address)).openDisputes).to.equal(0n);
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(
      r.params.challengeBond + share(r, r.params.slashAmount),
    );
    await expectReconciled(r, 0n);
    const next = makeClaim(r.modelId, await latest(ethers));
    const s = await signAttested(r, r.enclave, next);
    await expect(r.hub.submitAttested(next, r.toy.keyId, s.r, s.vs))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryKeyRevoked")
      .withArgs(r.enclave.address);
  });

  it("slashes the unbonding stake of a key whose operator was slashed to nothing and unbonded", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    // The enclave operator's whole stake (1 ETH = the slash amount) goes on a first lie.
    const first = await toyClaim(r, 20n, 1n, 0n);
    const firstId = await submitAttested(r, first);
    const p = await proveToy(r.toy, 20n, 1n, bindingFor(firstId, r.user.address));
    await (await r.hub.connect(r.user).refute(first, toyOutput(20n), p.proof)).wait();
    expect((await r.hub.operatorAccount(r.enclaveOperator.address)).active).to.equal(0n);
    // A second key of the same (now empty) operator; its claim is never final and slashes nothing.
    const { Wallet } = await import("ethers");
    const second = new Wallet(id("second key"));
    await (await r.hub.connect(r.enclaveOperator).stake({ value: r.params.minStake })).wait();
    await (
      await r.hub
        .connect(r.attester)
        .registerEnclaveKey(
          second.address,
          r.image,
          id("doc"),
          r.enclaveExpiry,
          r.enclaveOperator.address,
          await backingConsent(r.hub, r.enclaveOperator, second.address, r.image, r.enclaveExpiry),
        )
    ).wait();
    await (await r.hub.connect(r.enclaveOperator).requestUnbonding(r.params.minStake)).wait();
    const claim = makeClaim(r.modelId, await latest(ethers));
    const s = await signAttested(r, second, claim);
    await (await r.hub.submitAttested(claim, r.toy.keyId, s.r, s.vs)).wait();
    const claimId = idOf(r, claim);
    await (await challengeAs(r.hub, r.challenger, claimId, r.params.challengeBond)).wait();
    await networkHelpers.time.increase(r.params.responseWindow + 1);
    // The unbonding stake is still slashable: the timeout takes it.
    await expect(r.hub.resolveTimeout(claimId))
      .to.emit(r.hub, "ChallengeTimedOut")
      .withArgs(claimId, r.challenger.address, r.enclaveOperator.address, r.params.minStake);
    expect(await r.hub.creditOf(r.challenger.address)).to.equal(r.params.challengeBond + share(r, r.params.minStake));
    await expectReconciled(r, 0n);
  });

  for (const burn of [false, true]) {
    it(`resolves disputes when the verifier ${burn ? "burns all its gas" : "reverts"}`, async function () {
      const [admin, operator, challenger, treasury] = await ethers.getSigners();
      const bad = await ethers.deployContract("RevertingVerifier", [burn]);
      const params = defaultParams(treasury.address);
      const hub = await deployProtocolContracts(ethers, await bad.getAddress(), admin.address, params);
      const { toyModel } = await import("./fixtures/toy-model.js");
      const input = modelInput(await toyModel(), { family: fam("reverting") });
      await (await hub.registerModelVersion(input)).wait();
      const modelId = await hub.modelIdOf(input.family, 1);
      await (await hub.connect(operator).stake({ value: params.minStake })).wait();
      const claim = makeClaim(modelId, await latest(ethers));
      const { claimIdOf, signClaimCompact } = await import("../../prover/chain/claim.js");
      const chainId = (await ethers.provider.getNetwork()).chainId;
      const s = await signClaimCompact(operator, claim, chainId, await hub.getAddress());
      await (await hub.submitSigned(claim, s.r, s.vs)).wait();
      const claimId = claimIdOf(claim, chainId, await hub.getAddress());
      await (await challengeAs(hub, challenger, claimId, params.challengeBond)).wait();
      const proof = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n] as const;
      const gasLimit = 3_000_000n;
      await expect(hub.connect(operator).submitProven(claim, [...proof], { gasLimit }))
        .to.be.revertedWithCustomError(hub, "ReceiptHubProofRejected")
        .withArgs(claimId, input.verifyingKeyId);
      await expect(hub.connect(challenger).refute(claim, claim.output + 1n, [...proof], { gasLimit }))
        .to.be.revertedWithCustomError(hub, "DisputeProofRejected")
        .withArgs(claimId, input.verifyingKeyId);
      await networkHelpers.time.increase(params.responseWindow + 1);
      await expect(hub.resolveTimeout(claimId))
        .to.emit(hub, "ChallengeTimedOut")
        .withArgs(claimId, challenger.address, operator.address, params.slashAmount);
    });
  }
});

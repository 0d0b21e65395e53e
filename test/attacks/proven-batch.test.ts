// Attacks on batched Proven submissions (ReceiptHub.submitProvenBatch, Groth16Verifier.verifyBatch):
// - a lying operator hides a false claim among true ones, hoping the batch check lets it through;
// - a front-runner copies a pending batch from the mempool to take its claims (and the bond of a
//   disputed claim the batch defends);
// - a batch defending a disputed claim pays the bond to its submitter exactly once, and the hub's
//   balance still equals what it owes.
// Defences: one invalid proof fails the whole batch (random linear combination, docs/protocol.md);
// every proof binds msg.sender; a claim is recorded before the check, so a copy in the same batch
// meets a Proven receipt.
import { expect } from "chai";
import { network } from "hardhat";
import { bindingFor } from "../../prover/chain/binding.js";
import type { Claim } from "../../prover/chain/claim.js";
import {
  LEVEL,
  challengeAs,
  idOf,
  latest,
  makeClaim,
  owedByHub,
  readyProtocol,
  submitSigned,
  type Ready,
} from "../contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

async function toyClaim(r: Ready, x: bigint, output = toyOutput(x)): Promise<Claim> {
  return makeClaim(r.modelId, await latest(ethers), { inputCommitment: await toyCommitment(x, 5n), output });
}

describe("attack: batched Proven submissions", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("a false claim hidden among true ones fails the batch: nothing recorded, the liar pays gas", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const liar = r.operator;
    const truths = [await toyClaim(r, 2n), await toyClaim(r, 3n), await toyClaim(r, 4n)];
    const lie = await toyClaim(r, 5n, toyOutput(5n) + 1n);
    // The liar proves the true output for the lie's input and submits it under the false output.
    const proofs = [];
    for (const [i, c] of truths.entries())
      proofs.push((await proveToy(r.toy, BigInt(i + 2), 5n, bindingFor(idOf(r, c), liar.address))).proof);
    proofs.push((await proveToy(r.toy, 5n, 5n, bindingFor(idOf(r, lie), liar.address))).proof);
    const before = await ethers.provider.getBalance(liar.address);
    const tx = r.hub.connect(liar).submitProvenBatch([...truths, lie], proofs, { gasLimit: 3_000_000 });
    await expect(tx).to.be.revertedWithCustomError(r.hub, "ReceiptHubBatchRejected");
    for (const c of [...truths, lie]) expect(await r.hub.levelOf(idOf(r, c))).to.equal(BigInt(LEVEL.None));
    expect(await ethers.provider.getBalance(liar.address)).to.be.lessThan(before); // gas, and only gas
    expect(await ethers.provider.getBalance(r.hubAddress)).to.equal(await owedByHub(r, 0n));
  });

  it("a front-runner copying a defending batch gets nothing; the defender is paid the bond once", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const disputed = await toyClaim(r, 6n);
    const disputedId = await submitSigned(r, r.operator, disputed);
    const bond = r.params.challengeBond;
    await (await challengeAs(r.hub, r.challenger, disputedId, bond)).wait();
    expect(await ethers.provider.getBalance(r.hubAddress)).to.equal(await owedByHub(r, bond));
    const fresh = await toyClaim(r, 7n);
    const claims = [disputed, fresh];
    const proofs = [
      (await proveToy(r.toy, 6n, 5n, bindingFor(disputedId, r.operator.address))).proof,
      (await proveToy(r.toy, 7n, 5n, bindingFor(idOf(r, fresh), r.operator.address))).proof,
    ];
    // The copy binds the front-runner, for whom none of the proofs verify.
    await expect(r.hub.connect(r.user).submitProvenBatch(claims, proofs)).to.be.revertedWithCustomError(
      r.hub,
      "ReceiptHubBatchRejected",
    );
    const tx = r.hub.connect(r.operator).submitProvenBatch(claims, proofs);
    await expect(tx)
      .to.emit(r.hub, "ChallengeDefeated")
      .withArgs(disputedId, r.challenger.address, r.operator.address, bond);
    await expect(tx).to.emit(r.hub, "ClaimProven").withArgs(idOf(r, fresh), r.operator.address, LEVEL.None);
    expect(await r.hub.creditOf(r.operator.address)).to.equal(bond);
    expect(await r.hub.creditOf(r.user.address)).to.equal(0n);
    expect(await ethers.provider.getBalance(r.hubAddress)).to.equal(await owedByHub(r, 0n));
    // Replaying the batch, or the defence alone, pays nothing more.
    await expect(r.hub.connect(r.operator).submitProvenBatch(claims, proofs))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubAlreadyProven")
      .withArgs(disputedId);
    expect(await r.hub.creditOf(r.operator.address)).to.equal(bond);
  });
});

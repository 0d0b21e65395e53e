// Attacks on the dispute rewards (contracts/protocol/ClaimDisputes.sol):
// - a lying operator refutes (or challenges and refutes) its own lie to keep most of its stake;
// - a third party waits for an honest challenger to find a lie, then refutes it to take the
//   reward;
// - a front-runner copies an honest challenge from the mempool, to become the challenger the
//   reward goes to.
// Defences: the share goes to the open challenger whoever refutes, challenges are commit-reveal,
// and the share is capped below 100%, so a liar always loses the treasury's part. Every case
// settles to the last wei: credits are withdrawn and balances compared net of gas.
import { expect } from "chai";
import { network } from "hardhat";
import { type ContractTransactionResponse, id } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { bindingFor } from "../../prover/chain/binding.js";
import type { Claim } from "../../prover/chain/claim.js";
import { challengeCommitment } from "../../prover/chain/disputes.js";
import {
  challengeAs,
  defaultParams,
  deployProtocolContracts,
  idOf,
  latest,
  makeClaim,
  readyProtocol,
  submitSigned,
  type Ready,
} from "../contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** Gas paid by the transactions in `txs`. */
async function gasPaid(txs: ContractTransactionResponse[]): Promise<bigint> {
  let fee = 0n;
  for (const tx of txs) {
    const rc = (await tx.wait())!;
    fee += rc.gasUsed * rc.gasPrice;
  }
  return fee;
}

/** `who`'s ETH after withdrawing its credit, plus everything it spent on gas since `before`. */
async function netGain(r: Ready, who: HardhatEthersSigner, before: bigint, txs: ContractTransactionResponse[]) {
  if ((await r.hub.creditOf(who.address)) > 0n) txs.push(await r.hub.connect(who).withdrawCredit());
  const fees = await gasPaid(txs);
  return (await ethers.provider.getBalance(who.address)) + fees - before;
}

/** A lie about toy input (x, salt): the claimed output is off by one. */
async function lieAbout(r: Ready, x: bigint, salt: bigint): Promise<Claim> {
  return makeClaim(r.modelId, await latest(ethers), {
    inputCommitment: await toyCommitment(x, salt),
    output: toyOutput(x) + 1n,
  });
}

const shareOf = (r: Ready, slashed: bigint) => (slashed * BigInt(r.params.challengerShareBps)) / 10_000n;

describe("attack: stealing or dodging dispute rewards", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("a lying operator that refutes its own lie still loses the treasury's part of the slash", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await lieAbout(r, 7n, 1n);
    const claimId = await submitSigned(r, r.operator, lie);
    const before = await ethers.provider.getBalance(r.operator.address);
    const stakeBefore = (await r.hub.operatorAccount(r.operator.address)).active;
    const treasuryBefore = await r.hub.creditOf(r.treasury.address);
    const p = await proveToy(r.toy, 7n, 1n, bindingFor(claimId, r.operator.address));
    const txs = [await r.hub.connect(r.operator).refute(lie, toyOutput(7n), p.proof)];
    const gain = await netGain(r, r.operator, before, txs);
    const lost = stakeBefore - (await r.hub.operatorAccount(r.operator.address)).active;
    expect(lost).to.equal(r.params.slashAmount);
    // Its wallet got the share back; its stake lost the whole slash: net loss = treasury's part.
    expect(gain).to.equal(shareOf(r, r.params.slashAmount));
    expect(lost - gain).to.equal(r.params.slashAmount - shareOf(r, r.params.slashAmount));
    expect(lost - gain > 0n).to.equal(true);
    expect((await r.hub.creditOf(r.treasury.address)) - treasuryBefore).to.equal(lost - gain);
  });

  it("a liar that challenges its own claim first and then refutes it gains nothing more", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await lieAbout(r, 8n, 1n);
    const claimId = await submitSigned(r, r.operator, lie);
    const before = await ethers.provider.getBalance(r.operator.address);
    const stakeBefore = (await r.hub.operatorAccount(r.operator.address)).active;
    const txs: ContractTransactionResponse[] = [];
    const salt = id("self challenge");
    txs.push(await r.hub.connect(r.operator).commitChallenge(challengeCommitment(claimId, r.operator.address, salt)));
    txs.push(await r.hub.connect(r.operator).challenge(claimId, salt, { value: r.params.challengeBond }));
    const p = await proveToy(r.toy, 8n, 1n, bindingFor(claimId, r.operator.address));
    txs.push(await r.hub.connect(r.operator).refute(lie, toyOutput(8n), p.proof));
    const gain = await netGain(r, r.operator, before, txs);
    const lost = stakeBefore - (await r.hub.operatorAccount(r.operator.address)).active;
    expect(lost - gain).to.equal(r.params.slashAmount - shareOf(r, r.params.slashAmount));
  });

  it("a third party that refutes an open challenge pays the gas; the challenger gets the share", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await lieAbout(r, 9n, 2n);
    const claimId = await submitSigned(r, r.operator, lie);
    const challengerBefore = await ethers.provider.getBalance(r.challenger.address);
    const thiefBefore = await ethers.provider.getBalance(r.user.address);
    const challengerTxs: ContractTransactionResponse[] = [];
    const salt = id("honest salt");
    const hub = r.hub.connect(r.challenger);
    challengerTxs.push(await hub.commitChallenge(challengeCommitment(claimId, r.challenger.address, salt)));
    challengerTxs.push(await hub.challenge(claimId, salt, { value: r.params.challengeBond }));
    // The thief proves the lie itself, bound to its own address, and refutes first.
    const p = await proveToy(r.toy, 9n, 2n, bindingFor(claimId, r.user.address));
    const thiefTxs = [await r.hub.connect(r.user).refute(lie, toyOutput(9n), p.proof)];
    expect(await r.hub.creditOf(r.user.address)).to.equal(0n);
    expect(await netGain(r, r.user, thiefBefore, thiefTxs)).to.equal(0n);
    expect(await netGain(r, r.challenger, challengerBefore, challengerTxs)).to.equal(shareOf(r, r.params.slashAmount));
  });

  it("a front-runner cannot copy a challenge: no commitment, copied commitment, same-block reveal", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await lieAbout(r, 10n, 3n);
    const claimId = await submitSigned(r, r.operator, lie);
    const salt = id("the honest challenger's salt");
    const commitment = challengeCommitment(claimId, r.challenger.address, salt);
    // The front-runner copies the honest commitment into its own transaction first: it only paid
    // for the honest challenger's commitment, which names the honest challenger.
    await (await r.hub.connect(r.user).commitChallenge(commitment)).wait();
    await expect(r.hub.connect(r.challenger).commitChallenge(commitment))
      .to.be.revertedWithCustomError(r.hub, "DisputeCommitmentExists")
      .withArgs(commitment);
    // It copies the reveal (same claim id and salt) from the mempool: there is no commitment of
    // (claim, front-runner, salt).
    const its = challengeCommitment(claimId, r.user.address, salt);
    await expect(r.hub.connect(r.user).challenge(claimId, salt, { value: r.params.challengeBond }))
      .to.be.revertedWithCustomError(r.hub, "DisputeNotCommitted")
      .withArgs(its);
    // Committing and revealing in one block (to beat the honest reveal) is refused too.
    await ethers.provider.send("evm_setAutomine", [false]);
    const commitTx = await r.hub.connect(r.user).commitChallenge(its);
    const revealTx = await r.hub.connect(r.user).challenge(claimId, salt, {
      value: r.params.challengeBond,
      gasLimit: 200_000,
    });
    await ethers.provider.send("evm_mine", []);
    await ethers.provider.send("evm_setAutomine", [true]);
    expect((await commitTx.wait())!.status).to.equal(1);
    const reverted = await revealTx.wait().then(
      () => false,
      () => true,
    );
    expect(reverted).to.equal(true);
    // The honest reveal still opens the dispute in the honest challenger's name.
    await expect(r.hub.connect(r.challenger).challenge(claimId, salt, { value: r.params.challengeBond }))
      .to.emit(r.hub, "ClaimChallenged")
      .withArgs(claimId, r.challenger.address, r.params.challengeBond, (v: bigint) => v > 0n);
    expect((await r.hub.disputeOf(claimId)).challenger).to.equal(r.challenger.address);
    // The front-runner's own commitment is now worthless: the claim is already disputed.
    await expect(
      r.hub.connect(r.user).challenge(claimId, salt, { value: r.params.challengeBond }),
    ).to.be.revertedWithCustomError(r.hub, "DisputeAlreadyOpen");
  });

  it("a reveal is only accepted within the claim's challenge window", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const lie = await lieAbout(r, 11n, 4n);
    const claimId = await submitSigned(r, r.operator, lie);
    const end = (await r.hub.receiptOf(claimId)).challengeEnd;
    const salt = id("late");
    await (
      await r.hub.connect(r.challenger).commitChallenge(challengeCommitment(claimId, r.challenger.address, salt))
    ).wait();
    await networkHelpers.time.increaseTo(end + 1n);
    await expect(r.hub.connect(r.challenger).challenge(claimId, salt, { value: r.params.challengeBond }))
      .to.be.revertedWithCustomError(r.hub, "DisputeWindowClosed")
      .withArgs(claimId, end);
  });

  it("the winner's share is capped below 100%: a deployment giving it all is refused", async function () {
    const [admin, treasury] = await ethers.getSigners();
    const verifier = await ethers.deployContract("Groth16Verifier");
    for (const bps of [10_000, 10_001]) {
      const params = { ...defaultParams(treasury.address), challengerShareBps: bps };
      const failed = await deployProtocolContracts(ethers, await verifier.getAddress(), admin.address, params).then(
        () => "",
        (e: Error) => e.message,
      );
      expect(failed).to.match(/AssayProtocolShareTooHigh/);
    }
    const ok = { ...defaultParams(treasury.address), challengerShareBps: 9_999 };
    const hub = await deployProtocolContracts(ethers, await verifier.getAddress(), admin.address, ok);
    expect((await hub.protocolParams()).challengerShareBps).to.equal(9_999n);
  });

  it("an unanswered honest claim still pays its challenger (the node's watcher prevents it)", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const truth = makeClaim(r.modelId, await latest(ethers), {
      inputCommitment: await toyCommitment(12n, 5n),
      output: toyOutput(12n),
    });
    const claimId = idOf(r, truth);
    await submitSigned(r, r.operator, truth);
    await (await challengeAs(r.hub, r.challenger, claimId)).wait();
    await networkHelpers.time.increase(r.params.responseWindow + 1);
    await expect(r.hub.resolveTimeout(claimId))
      .to.emit(r.hub, "ChallengeTimedOut")
      .withArgs(claimId, r.challenger.address, r.operator.address, r.params.slashAmount);
  });
});

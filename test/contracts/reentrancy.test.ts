import { expect } from "chai";
import { network } from "hardhat";
import { type Interface, id, parseEther } from "ethers";
import { challengeCommitment } from "../../prover/chain/disputes.js";
import { bindingFor } from "../../prover/chain/binding.js";
import type { ParametricInsurance, ReentrancyAttacker } from "../../types/ethers-contracts/index.js";
import { challengeAs, latest, makeClaim, readyProtocol, submitSigned, type Ready } from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** The attacker contract challenges `claimId` (commit, then reveal with the bond). */
async function attackerChallenges(
  r: { attacker: ReentrancyAttacker; hubAddress: string },
  hub: Interface,
  claimId: string,
  bond: bigint,
) {
  const salt = id(`attacker salt ${claimId}`);
  const commitment = challengeCommitment(claimId, await r.attacker.getAddress(), salt);
  const commit = hub.encodeFunctionData("commitChallenge", [commitment]);
  await (await r.attacker.execute(r.hubAddress, commit, 0, { value: 0 })).wait();
  const reveal = hub.encodeFunctionData("challenge", [claimId, salt]);
  await (await r.attacker.execute(r.hubAddress, reveal, bond, { value: bond })).wait();
}

describe("Reentrancy on every payout", function () {
  const fixture = async () => {
    const r = await readyProtocol(ethers);
    const attacker = (await ethers.deployContract("ReentrancyAttacker")) as unknown as ReentrancyAttacker;
    return { ...r, attacker, attackerAddress: await attacker.getAddress() };
  };
  after(releaseToyModel);

  const guardError = (r: Ready) => r.hub.interface.getError("ReentrancyGuardReentrantCall")!.selector;

  for (const reentry of ["withdrawStake", "withdrawCredit"] as const) {
    it(`withdrawStake: a re-entrant ${reentry} is refused and the stake is paid once`, async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const stake = r.params.minStake;
      const hub = r.hub.interface;
      await (await r.attacker.execute(r.hubAddress, hub.encodeFunctionData("stake"), stake, { value: stake })).wait();
      await (await r.attacker.execute(r.hubAddress, hub.encodeFunctionData("requestUnbonding", [stake]), 0)).wait();
      await networkHelpers.time.increase(r.params.unbondingDelay);
      await (await r.attacker.arm(r.hubAddress, hub.encodeFunctionData(reentry as "withdrawStake"))).wait();
      const tx = r.attacker.execute(r.hubAddress, hub.encodeFunctionData("withdrawStake"), 0);
      await expect(tx).to.changeEtherBalances(ethers, [r.attacker, r.hub], [stake, -stake]);
      expect(await r.attacker.reentryAttempted()).to.equal(true);
      expect(await r.attacker.lastReentrySucceeded()).to.equal(false);
      expect(await r.attacker.lastReentryError()).to.equal(guardError(r));
      expect((await r.hub.operatorAccount(r.attackerAddress)).unbonding).to.equal(0n);
    });
  }

  for (const reentry of ["withdrawCredit", "withdrawStake"] as const) {
    it(`withdrawCredit: a re-entrant ${reentry} is refused and the credit is paid once`, async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const hub = r.hub.interface;
      // The attacker wins a dispute: it challenges a claim whose operator never answers.
      const claim = makeClaim(r.modelId, await latest(ethers));
      const claimId = await submitSigned(r, r.operator, claim);
      const bond = r.params.challengeBond;
      await attackerChallenges(r, hub, claimId, bond);
      await networkHelpers.time.increase(r.params.responseWindow + 1);
      await (await r.hub.resolveTimeout(claimId)).wait();
      const credit = await r.hub.creditOf(r.attackerAddress);
      expect(credit).to.equal(bond + (r.params.slashAmount * BigInt(r.params.challengerShareBps)) / 10_000n);
      await (await r.attacker.arm(r.hubAddress, hub.encodeFunctionData(reentry as "withdrawStake"))).wait();
      const tx = r.attacker.execute(r.hubAddress, hub.encodeFunctionData("withdrawCredit"), 0);
      await expect(tx).to.changeEtherBalances(ethers, [r.attacker, r.hub], [credit, -credit]);
      expect(await r.attacker.lastReentrySucceeded()).to.equal(false);
      expect(await r.attacker.lastReentryError()).to.equal(guardError(r));
      expect(await r.hub.creditOf(r.attackerAddress)).to.equal(0n);
    });
  }

  it("withdrawCredit after a defence: a re-entrant withdrawCredit is refused", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const hub = r.hub.interface;
    const claim = makeClaim(r.modelId, await latest(ethers), {
      inputCommitment: await toyCommitment(7n, 7n),
      output: toyOutput(7n),
    });
    const claimId = await submitSigned(r, r.operator, claim);
    await (await challengeAs(r.hub, r.challenger, claimId, r.params.challengeBond)).wait();
    // The attacker contract defends the true claim with a proof bound to itself.
    const p = await proveToy(r.toy, 7n, 7n, bindingFor(claimId, r.attackerAddress));
    await (await r.attacker.execute(r.hubAddress, hub.encodeFunctionData("submitProven", [claim, p.proof]), 0)).wait();
    expect(await r.hub.creditOf(r.attackerAddress)).to.equal(r.params.challengeBond);
    await (await r.attacker.arm(r.hubAddress, hub.encodeFunctionData("withdrawCredit"))).wait();
    const tx = r.attacker.execute(r.hubAddress, hub.encodeFunctionData("withdrawCredit"), 0);
    await expect(tx).to.changeEtherBalances(
      ethers,
      [r.attacker, r.hub],
      [r.params.challengeBond, -r.params.challengeBond],
    );
    expect(await r.attacker.lastReentryError()).to.equal(guardError(r));
  });

  for (const reentry of ["withdraw", "withdrawFree"] as const) {
    it(`ParametricInsurance.withdraw: a re-entrant ${reentry} is refused, the payout made once`, async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const insurance = (await ethers.deployContract("ParametricInsurance", [
        r.hubAddress,
        { signedMax: parseEther("1"), attestedMax: parseEther("1") },
      ])) as unknown as ParametricInsurance;
      await (await insurance.fund({ value: parseEther("2") })).wait();
      const claim = makeClaim(r.modelId, await latest(ethers), { output: 9n });
      await (
        await insurance.issuePolicy(r.attackerAddress, r.modelId, claim.inputCommitment, parseEther("0.9"))
      ).wait();
      await submitSigned(r, r.operator, claim);
      await networkHelpers.time.increase(r.params.challengeWindow + 1);
      await (await insurance.claimPayout(1n, claim)).wait();
      const address = await insurance.getAddress();
      const reentryData =
        reentry === "withdraw"
          ? insurance.interface.encodeFunctionData("withdraw")
          : insurance.interface.encodeFunctionData("withdrawFree", [1n]);
      await (await r.attacker.arm(address, reentryData)).wait();
      const tx = r.attacker.execute(address, insurance.interface.encodeFunctionData("withdraw"), 0);
      await expect(tx).to.changeEtherBalances(ethers, [r.attacker, insurance], [parseEther("0.9"), -parseEther("0.9")]);
      expect(await r.attacker.lastReentrySucceeded()).to.equal(false);
      expect(await r.attacker.lastReentryError()).to.equal(
        insurance.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
      expect(await insurance.owedTo(r.attackerAddress)).to.equal(0n);
      expect(await ethers.provider.getBalance(address)).to.equal(parseEther("1.1"));
      expect(await insurance.freeFunds()).to.equal(parseEther("1.1"));
    });
  }

  it("a payee that reverts cannot block anyone else's resolution or payout", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const hub = r.hub.interface;
    const claim = makeClaim(r.modelId, await latest(ethers), { requestId: id("blocked payee") });
    const claimId = await submitSigned(r, r.operator, claim);
    const bond = r.params.challengeBond;
    await attackerChallenges(r, hub, claimId, bond);
    await (await r.attacker.setRejecting(true)).wait();
    await networkHelpers.time.increase(r.params.responseWindow + 1);
    // Resolution credits the rejecting challenger without sending it anything.
    await expect(r.hub.connect(r.user).resolveTimeout(claimId)).to.emit(r.hub, "ChallengeTimedOut");
    // The treasury is paid its share regardless.
    const treasuryCredit = await r.hub.creditOf(r.treasury.address);
    await expect(r.hub.connect(r.treasury).withdrawCredit()).to.changeEtherBalances(
      ethers,
      [r.treasury, r.hub],
      [treasuryCredit, -treasuryCredit],
    );
    await expect(
      r.attacker.execute(r.hubAddress, hub.encodeFunctionData("withdrawCredit"), 0),
    ).to.be.revertedWithCustomError(r.hub, "OperatorStakingTransferFailed");
  });
});

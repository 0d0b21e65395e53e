import { expect } from "chai";
import { network } from "hardhat";
import { parseEther } from "ethers";
import { readyProtocol } from "./fixtures/protocol.js";
import { releaseToyModel } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

describe("OperatorStaking", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("takes stake, counts it toward the minimum and rejects zero", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const op = r.others[0];
    expect(await r.hub.minStake()).to.equal(r.params.minStake);
    expect(await r.hub.unbondingDelay()).to.equal(BigInt(r.params.unbondingDelay));
    await expect(r.hub.connect(op).stake({ value: 0 })).to.be.revertedWithCustomError(
      r.hub,
      "OperatorStakingZeroAmount",
    );
    const half = r.params.minStake / 2n;
    await expect(r.hub.connect(op).stake({ value: half }))
      .to.emit(r.hub, "StakeDeposited")
      .withArgs(op.address, half, half);
    expect(await r.hub.isStaked(op.address)).to.equal(false);
    const tx = await r.hub.connect(op).stake({ value: half });
    await expect(tx).to.emit(r.hub, "StakeDeposited").withArgs(op.address, half, r.params.minStake);
    await expect(tx).to.changeEtherBalances(ethers, [op, r.hub], [-half, half]);
    expect(await r.hub.isStaked(op.address)).to.equal(true);
    const account = await r.hub.operatorAccount(op.address);
    expect(account.active).to.equal(r.params.minStake);
    expect(account.unbonding).to.equal(0n);
  });

  it("keeps active plus unbonding stake within 96 bits", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const whale = r.others[1];
    const max = (1n << 96n) - 1n;
    await networkHelpers.setBalance(whale.address, 1n << 98n);
    await (await r.hub.connect(whale).stake({ value: max })).wait();
    await expect(r.hub.connect(whale).stake({ value: 1n }))
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingOverflow")
      .withArgs(1n);
    await (await r.hub.connect(whale).requestUnbonding(max)).wait();
    // Unbonding stake still counts toward the 96-bit total.
    await expect(r.hub.connect(whale).stake({ value: 1n }))
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingOverflow")
      .withArgs(1n);
  });

  it("unbonds in two steps: request, then withdraw after the delay", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const op = r.operator; // staked 2 * minStake
    await expect(r.hub.connect(op).requestUnbonding(0)).to.be.revertedWithCustomError(
      r.hub,
      "OperatorStakingZeroAmount",
    );
    const active = r.params.minStake * 2n;
    await expect(r.hub.connect(op).requestUnbonding(active + 1n))
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingInsufficientStake")
      .withArgs(op.address, active, active + 1n);
    await expect(r.hub.connect(op).withdrawStake())
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingNothingUnbonding")
      .withArgs(op.address);

    const first = parseEther("0.5");
    let tx = await r.hub.connect(op).requestUnbonding(first);
    let ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await expect(tx)
      .to.emit(r.hub, "UnbondingRequested")
      .withArgs(op.address, first, first, ts + BigInt(r.params.unbondingDelay));
    expect(await r.hub.isStaked(op.address)).to.equal(true); // 1.5 ETH active

    await networkHelpers.time.increase(r.params.unbondingDelay / 2);
    const second = parseEther("1");
    tx = await r.hub.connect(op).requestUnbonding(second);
    ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    const readyAt = ts + BigInt(r.params.unbondingDelay);
    // A second request adds to the unbonding amount and restarts the clock for all of it.
    await expect(tx)
      .to.emit(r.hub, "UnbondingRequested")
      .withArgs(op.address, second, first + second, readyAt);
    expect(await r.hub.isStaked(op.address)).to.equal(false); // 0.5 ETH active
    const account = await r.hub.operatorAccount(op.address);
    expect(account.active).to.equal(active - first - second);
    expect(account.unbonding).to.equal(first + second);
    expect(account.unbondingReadyAt).to.equal(readyAt);

    await networkHelpers.time.setNextBlockTimestamp(readyAt - 1n);
    await expect(r.hub.connect(op).withdrawStake())
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingUnbondingNotReady")
      .withArgs(op.address, readyAt);
    await networkHelpers.time.setNextBlockTimestamp(readyAt);
    const withdrawal = await r.hub.connect(op).withdrawStake();
    await expect(withdrawal)
      .to.emit(r.hub, "StakeWithdrawn")
      .withArgs(op.address, first + second);
    await expect(withdrawal).to.changeEtherBalances(ethers, [op, r.hub], [first + second, -(first + second)]);
    const after = await r.hub.operatorAccount(op.address);
    expect(after.unbonding).to.equal(0n);
    expect(after.active).to.equal(active - first - second);
  });

  it("keeps the stake when the operator cannot be paid, and has no credit to give by default", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const payee = await ethers.deployContract("ReentrancyAttacker");
    const stakeData = r.hub.interface.encodeFunctionData("stake");
    await (await payee.execute(r.hubAddress, stakeData, r.params.minStake, { value: r.params.minStake })).wait();
    await (
      await payee.execute(r.hubAddress, r.hub.interface.encodeFunctionData("requestUnbonding", [r.params.minStake]), 0)
    ).wait();
    await networkHelpers.time.increase(r.params.unbondingDelay);
    await (await payee.setRejecting(true)).wait();
    const withdraw = r.hub.interface.encodeFunctionData("withdrawStake");
    await expect(payee.execute(r.hubAddress, withdraw, 0))
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingTransferFailed")
      .withArgs(await payee.getAddress(), r.params.minStake);
    expect((await r.hub.operatorAccount(await payee.getAddress())).unbonding).to.equal(r.params.minStake);
    await (await payee.setRejecting(false)).wait();
    await expect(payee.execute(r.hubAddress, withdraw, 0)).to.changeEtherBalances(
      ethers,
      [payee, r.hub],
      [r.params.minStake, -r.params.minStake],
    );

    expect(await r.hub.creditOf(r.user.address)).to.equal(0n);
    await expect(r.hub.connect(r.user).withdrawCredit())
      .to.be.revertedWithCustomError(r.hub, "OperatorStakingNoCredit")
      .withArgs(r.user.address);
  });
});

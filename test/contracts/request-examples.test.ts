// The two example requesters end to end on the embedded chain with a real compiled model (the
// tiny 8-input, 3-logit fixture stands in for the risk and volatility models): LendingPool sets a
// loan's collateral ratio from the model on its own features, VolatilityAmm its swap fee from the
// model on its recent prices. Each request is answered with the claim an honest node would make
// (the model run on the input decoded from the Requested event, salt 0), Signed or Proven as the
// example's own thresholds demand.
import { expect } from "chai";
import { network } from "hardhat";
import { parseEther, type ContractTransactionResponse } from "ethers";
import type { LendingPool, TestToken, VolatilityAmm } from "../../types/ethers-contracts/index.js";
import { compactSignature, signClaim } from "../../prover/chain/claim.js";
import { decodeRequested, type RequestedEvent, valuesOf } from "../../prover/chain/request-hub.js";
import { infer } from "../../prover/prove-inference.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { latest } from "./fixtures/protocol.js";
import { answerClaim, LEVEL, proveFor, requestsReady, type RequestsReady } from "./fixtures/requests.js";

const { ethers, networkHelpers } = await network.create();

const ONE_ETH = parseEther("1");

/** The Requested event of a transaction that made a request. */
async function requestedIn(tx: ContractTransactionResponse): Promise<RequestedEvent> {
  const receipt = (await tx.wait())!;
  for (const log of receipt.logs) {
    const ev = decodeRequested(log);
    if (ev) return ev;
  }
  throw new Error("no Requested event");
}

/** The model input an honest node decodes from the event: values / 2^frac. */
function inputOf(r: RequestsReady, ev: RequestedEvent): number[] {
  const frac = r.tiny.quantized.input.frac;
  return valuesOf(ev.input).map((v) => Number(v) / 2 ** frac);
}

/** The risk class (argmax of the three logits) of the model on `x`. */
async function classOf(r: RequestsReady, x: number[]): Promise<number> {
  const res = await infer(r.tiny, x, { salt: 0n });
  const logits = res.result.logits;
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Answers request `ev` as an honest operator would, at Signed (fulfilSigned) or Proven (fulfilProven). */
async function answer(r: RequestsReady, ev: RequestedEvent, level: "Signed" | "Proven") {
  const x = inputOf(r, ev);
  const a = { requestId: ev.requestId, req: ev.request, tx: undefined as never };
  const { claim, claimId } = await answerClaim(r, a, x, r.operator.address, (await latest(ethers)) + 3600n);
  const hub = r.requestHub.connect(r.operator);
  if (level === "Signed") {
    const s = compactSignature(await signClaim(r.operator, claim, r.chainId, r.hubAddress));
    await (await hub.fulfilSigned(ev.requestId, ev.request, r.operator.address, claim, s.r, s.vs)).wait();
  } else {
    const proof = await proveFor(r, claim, x, r.requestHubAddress);
    await (await hub.fulfilProven(ev.requestId, ev.request, r.operator.address, claim, proof)).wait();
  }
  return { claim, claimId, x };
}

async function lendingReady() {
  const r = await requestsReady(ethers);
  const q = r.tiny.quantized;
  expect(q.input.signed).to.equal(true);
  const pool = (await ethers.deployContract("LendingPool", [
    r.hubAddress,
    r.requestHubAddress,
    r.tinyId,
    { signedMax: ONE_ETH, attestedMax: ONE_ETH },
    q.config.inputBits,
    q.input.frac,
    q.output.bits,
  ])) as unknown as LendingPool;
  await (await r.admin.sendTransaction({ to: await pool.getAddress(), value: parseEther("10") })).wait();
  return { ...r, pool };
}

async function ammReady() {
  const r = await requestsReady(ethers);
  const q = r.tiny.quantized;
  const token = (await ethers.deployContract("TestToken", [parseEther("1000000")])) as unknown as TestToken;
  const amm = (await ethers.deployContract("VolatilityAmm", [
    r.hubAddress,
    r.requestHubAddress,
    await token.getAddress(),
    r.tinyId,
    { signedMax: parseEther("100"), attestedMax: parseEther("100") },
    q.config.inputBits,
    q.input.frac,
    q.output.bits,
  ])) as unknown as VolatilityAmm;
  const ammAddress = await amm.getAddress();
  await (await token.approve(ammAddress, parseEther("1000000"))).wait();
  await (await amm.seed(parseEther("10000"), { value: parseEther("10") })).wait();
  // Eight swaps, alternating and growing, so the last nine prices move both ways.
  for (let i = 0; i < 8; i++) {
    if (i % 2 === 0) await (await amm.swapEthForToken(0n, { value: parseEther("0.1") * BigInt(i + 1) })).wait();
    else await (await amm.swapTokenForEth(parseEther("50") * BigInt(i + 1), 0n)).wait();
  }
  return { ...r, token, amm, ammAddress };
}

describe("example requesters: LendingPool and VolatilityAmm", function () {
  after(releaseCurve);

  it("LendingPool: a Signed risk assessment sets the ratio; the loan opens once the claim is final", async function () {
    const r = await networkHelpers.loadFixture(lendingReady);
    const [, , , , , , , , borrower] = await ethers.getSigners();
    const pool = r.pool.connect(borrower);
    const amount = parseEther("0.5");
    const fee = 1000n;
    const ev = await requestedIn(await pool.applyForLoan(amount, fee, { value: ONE_ETH + fee }));
    expect(ev.request.requiredLevel).to.equal(LEVEL.Signed);
    expect(ev.valueAtRisk).to.equal(amount);
    expect(ev.request.requester).to.equal(await r.pool.getAddress());
    const { claim, claimId, x } = await answer(r, ev, "Signed");
    const loan = await r.pool.loanOf(1n);
    const cls = await classOf(r, x);
    expect([Number(loan.status), Number(loan.riskClass), Number(loan.ratioBps), loan.claimId]).to.deep.equal([
      2, // Assessed
      cls,
      [12_500, 15_000, 20_000][cls],
      claimId,
    ]);
    // Not final yet: the challenge window is open.
    await expect(r.pool.finalize(1n, claim)).to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal");
    await networkHelpers.time.increase(r.params.challengeWindow + 1);
    await expect(r.pool.finalize(1n, claim)).to.emit(r.pool, "LoanDecided").withArgs(1n, true);
    expect(await r.pool.owedTo(borrower.address)).to.equal(amount);
    await expect(r.pool.finalize(1n, claim)).to.be.revertedWithCustomError(r.pool, "LendingPoolWrongStatus");
    // Borrow, repay, take the collateral back: the pool ends with its liquidity and the fee gone to the hub.
    await (await pool.withdraw()).wait();
    await (await pool.repay(1n, { value: amount })).wait();
    expect(await r.pool.owedTo(borrower.address)).to.equal(ONE_ETH);
    await (await pool.withdraw()).wait();
    expect(await ethers.provider.getBalance(await r.pool.getAddress())).to.equal(parseEther("10"));
    expect(await r.pool.freeLiquidity()).to.equal(parseEther("10"));
    expect(await r.requestHub.owedTo(r.operator.address)).to.equal(fee);
  });

  it("LendingPool: a large loan needs a proof, decided in the callback; an unanswered one cancels", async function () {
    const r = await networkHelpers.loadFixture(lendingReady);
    const [, , , , , , , , borrower] = await ethers.getSigners();
    const pool = r.pool.connect(borrower);
    const amount = parseEther("2");
    const ev = await requestedIn(await pool.applyForLoan(amount, 5n, { value: parseEther("5") + 5n }));
    expect(ev.request.requiredLevel).to.equal(LEVEL.Proven);
    await answer(r, ev, "Proven");
    const loan = await r.pool.loanOf(1n);
    expect(Number(loan.status)).to.equal(3); // Open: 5 ETH covers even 200% of 2 ETH
    expect(await r.pool.owedTo(borrower.address)).to.equal(amount);
    expect(await r.pool.lent()).to.equal(amount);

    const ev2 = await requestedIn(await pool.applyForLoan(parseEther("0.1"), 7n, { value: parseEther("0.2") + 7n }));
    await expect(r.pool.cancel(2n, ev2.request)).to.be.revertedWithCustomError(
      r.requestHub,
      "AssayRequestHubNotExpired",
    );
    await networkHelpers.time.increaseTo(ev2.request.deadline + 1n);
    await (await r.pool.cancel(2n, ev2.request)).wait();
    expect(await r.pool.owedTo(borrower.address)).to.equal(amount + parseEther("0.2") + 7n);
    expect(await ethers.provider.getBalance(r.requestHubAddress)).to.equal(
      await r.requestHub.owedTo(r.operator.address),
    );
  });

  it("VolatilityAmm: the fee follows the model's regime on the pool's recent price changes", async function () {
    const r = await networkHelpers.loadFixture(ammReady);
    expect(await r.amm.feeBps()).to.equal(30n);
    const ev = await requestedIn(await r.amm.refreshFee({ value: 100n }));
    const [reserveEth] = await r.amm.reserves();
    expect(ev.valueAtRisk).to.equal(reserveEth);
    expect(ev.request.requiredLevel).to.equal(LEVEL.Signed);
    // The input is the pool's own price changes; it moves both ways.
    const values = valuesOf(ev.input);
    expect(values.some((v) => v > 0n) && values.some((v) => v < 0n)).to.equal(true);
    await expect(r.amm.refreshFee({ value: 100n })).to.be.revertedWithCustomError(r.amm, "VolatilityAmmRefreshPending");
    const { x } = await answer(r, ev, "Signed");
    const regime = await classOf(r, x);
    const fee = [5n, 30n, 100n][regime];
    expect(await r.amm.feeBps()).to.equal(fee);
    expect(await r.amm.pendingRequest()).to.equal(`0x${"0".repeat(64)}`);
    await expect(r.amm.swapEthForToken(0n, { value: parseEther("0.01") }))
      .to.emit(r.amm, "Swapped")
      .withArgs(r.admin.address, true, parseEther("0.01"), (v: bigint) => v > 0n, fee);
  });

  it("VolatilityAmm: an expired refresh is cleared and its fee returned to whoever paid it", async function () {
    const r = await networkHelpers.loadFixture(ammReady);
    const payer = r.others[1];
    const ev = await requestedIn(await r.amm.connect(payer).refreshFee({ value: 999n }));
    await networkHelpers.time.increaseTo(ev.request.deadline + 1n);
    await (await r.amm.clearExpired(ev.request)).wait();
    expect(await r.amm.owedTo(payer.address)).to.equal(999n);
    const before = await ethers.provider.getBalance(payer.address);
    const receipt = (await (await r.amm.connect(payer).withdraw()).wait())!;
    expect(await ethers.provider.getBalance(payer.address)).to.equal(
      before + 999n - receipt.gasUsed * receipt.gasPrice,
    );
    expect(await r.amm.feeBps()).to.equal(30n);
  });
});

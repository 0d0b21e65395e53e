// Attacks on on-chain inference requests (contracts/requests/AssayRequestHub.sol): callbacks that
// grief, fulfilers that starve callbacks, double fulfilment, fee theft by copying a claim or a
// proof, races between fulfilment and refund at the deadline, and replays across hubs and chains.
// Every test checks who pays: ETH is conserved (balances plus gas spent) and the hub holds exactly
// the open fees plus what it owes.
import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { AssayRequestHub, TestRequester } from "../../types/ethers-contracts/index.js";
import { compactSignature, signClaim, type Claim } from "../../prover/chain/claim.js";
import { decodeRequested, fulfilmentIdOf } from "../../prover/chain/request-hub.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { latest } from "../contracts/fixtures/protocol.js";
import {
  answerClaim,
  ask,
  LEVEL,
  proveFor,
  requestsReady,
  tinyTensor,
  type RequestsReady,
} from "../contracts/fixtures/requests.js";

const { ethers, networkHelpers } = await network.create();
const ready = () => requestsReady(ethers);

const MODE = { Record: 0, Revert: 1, BurnGas: 2, ReturnBomb: 3, Reenter: 4 } as const;

/** Balances of the accounts that matter, and the gas each spent since: ETH must be conserved. */
class Ledger {
  private before = new Map<string, bigint>();
  private gas = new Map<string, bigint>();
  constructor(
    private readonly eth: HardhatEthers,
    private readonly accounts: Record<string, string>,
  ) {}

  async open(): Promise<this> {
    for (const a of Object.values(this.accounts)) this.before.set(a, await this.eth.provider.getBalance(a));
    return this;
  }

  /** Books a mined transaction's gas to its sender (a reverted one's too). */
  book(receipt: { from: string; gasUsed: bigint; gasPrice: bigint }): void {
    this.gas.set(receipt.from, (this.gas.get(receipt.from) ?? 0n) + receipt.gasUsed * receipt.gasPrice);
  }

  /** Sends (awaits) a transaction and books its gas to its sender. */
  async send(p: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
    const receipt = (await (await p).wait())!;
    this.gas.set(receipt.from, (this.gas.get(receipt.from) ?? 0n) + receipt.gasUsed * receipt.gasPrice);
    return receipt;
  }

  /** Each named account's balance moved by exactly `deltas[name]` (0 when absent) less its gas. */
  async expectDeltas(deltas: Record<string, bigint>): Promise<void> {
    let total = 0n;
    for (const [name, a] of Object.entries(this.accounts)) {
      const now = await this.eth.provider.getBalance(a);
      const moved = now - this.before.get(a)! + (this.gas.get(a) ?? 0n);
      expect(moved, `${name}'s balance change`).to.equal(deltas[name] ?? 0n);
      total += moved;
    }
    expect(total, "ETH created or destroyed").to.equal(0n);
  }
}

async function sig(r: RequestsReady, signer: RequestsReady["operator"], claim: Claim) {
  return compactSignature(await signClaim(signer, claim, r.chainId, r.hubAddress));
}

async function fulfilSignedArgs(r: RequestsReady, a: Awaited<ReturnType<typeof ask>>, x: number[], payee = r.operator) {
  const { claim, claimId } = await answerClaim(r, a, x, payee.address, (await latest(ethers)) + 3600n);
  const s = await sig(r, payee, claim);
  return { claim, claimId, args: [a.requestId, a.req, payee.address, claim, s.r, s.vs] as const };
}

describe("attacks on on-chain requests", function () {
  after(releaseCurve);

  it("a reverting, gas-burning or return-bombing callback cannot block fulfilment", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const callbackGas = 100_000;
    const ledger = await new Ledger(ethers, {
      user: r.user.address,
      operator: r.operator.address,
      hub: r.requestHubAddress,
      requester: r.requesterAddress,
    }).open();
    for (const [mode, success] of [
      [MODE.Revert, false],
      [MODE.BurnGas, false],
      [MODE.ReturnBomb, true],
    ] as const) {
      await ledger.send(r.requester.connect(r.user).setMode(mode, "0x"));
      const a = await ask(r, tensor, { fee: 1000n, callbackGas, from: r.user });
      await ledger.send(Promise.resolve(a.tx));
      const { args } = await fulfilSignedArgs(r, a, x);
      const tx = r.requestHub.connect(r.operator).fulfilSigned(...args);
      const receipt = await ledger.send(tx);
      await expect(tx).to.emit(r.requestHub, "CallbackResult").withArgs(a.requestId, success);
      // The fulfiler pays at most the callback gas on top of a bounded fulfilment.
      expect(receipt.gasUsed).to.be.lessThan(BigInt(callbackGas) + 200_000n);
      expect(await r.requestHub.statusOf(a.requestId)).to.equal(2n);
    }
    expect(await r.requester.calls()).to.equal(0n); // no callback ever recorded a result
    // The requester (funded by the user) paid three fees; the operator is owed them, held by the hub.
    expect(await r.requestHub.owedTo(r.operator.address)).to.equal(3000n);
    await ledger.expectDeltas({ user: -3000n, hub: 3000n });
  });

  it("a fulfiler cannot starve the callback into failing: too little gas reverts the fulfilment", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const a = await ask(r, tensor, { callbackGas: 400_000 });
    const { args } = await fulfilSignedArgs(r, a, x);
    await expect(r.requestHub.connect(r.operator).fulfilSigned(...args, { gasLimit: 300_000 }))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubInsufficientGas")
      .withArgs(400_000n);
    expect(await r.requestHub.statusOf(a.requestId)).to.equal(1n);
    // With the gas the request asked for, it lands and the callback runs.
    await expect(r.requestHub.connect(r.operator).fulfilSigned(...args))
      .to.emit(r.requestHub, "CallbackResult")
      .withArgs(a.requestId, true);
    expect(await r.requester.lastRequestId()).to.equal(a.requestId);
  });

  it("double fulfilment: the same claim, another operator's, a reentering callback all fail", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const ledger = await new Ledger(ethers, {
      operator: r.operator.address,
      operator2: r.operator2.address,
      hub: r.requestHubAddress,
      requester: r.requesterAddress,
      user: r.user.address,
    }).open();
    // Enough callback gas for the reentering call and the callback's own stores.
    const a = await ask(r, tensor, { fee: 500n, from: r.user, callbackGas: 450_000 });
    await ledger.send(Promise.resolve(a.tx));
    // operator2 records its own claim for the same request (so it could fulfil from the callback).
    const second = await answerClaim(r, a, x, r.operator2.address, (await latest(ethers)) + 3600n);
    const s2 = await sig(r, r.operator2, second.claim);
    await ledger.send(r.hub.connect(r.operator2).submitSigned(second.claim, s2.r, s2.vs));
    const reentry = r.requestHub.interface.encodeFunctionData("fulfil", [
      a.requestId,
      a.req,
      r.operator2.address,
      second.claim,
    ]);
    await ledger.send(r.requester.connect(r.user).setMode(MODE.Reenter, reentry));

    const first = await fulfilSignedArgs(r, a, x);
    await ledger.send(r.requestHub.connect(r.operator).fulfilSigned(...first.args));
    expect(await r.requester.reentrySucceeded()).to.equal(false);
    const selector = r.requestHub.interface.getError("AssayRequestHubFulfilled")!.selector;
    expect(((await r.requester.reentryReturn()) as string).slice(0, 10)).to.equal(selector);

    await expect(r.requestHub.connect(r.operator).fulfil(a.requestId, a.req, r.operator.address, first.claim))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubFulfilled")
      .withArgs(a.requestId);
    await expect(r.requestHub.connect(r.operator2).fulfil(a.requestId, a.req, r.operator2.address, second.claim))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubFulfilled")
      .withArgs(a.requestId);
    await expect(r.requestHub.refund(a.requestId, a.req))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubFulfilled")
      .withArgs(a.requestId);
    expect(await r.requestHub.owedTo(r.operator.address)).to.equal(500n);
    expect(await r.requestHub.owedTo(r.operator2.address)).to.equal(0n);
    await ledger.send(r.requestHub.connect(r.operator).withdraw());
    await ledger.expectDeltas({ user: -500n, operator: 500n });
  });

  it("fee theft: a copied Signed claim pays its own payee; an unstaked copier cannot re-sign it", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const thief = r.others[0];
    const ledger = await new Ledger(ethers, {
      thief: thief.address,
      operator: r.operator.address,
      hub: r.requestHubAddress,
      user: r.user.address,
    }).open();
    const a = await ask(r, tensor, { fee: 777n, from: r.user });
    await ledger.send(Promise.resolve(a.tx));
    const honest = await fulfilSignedArgs(r, a, x);
    const [, , , claim, sr, svs] = honest.args;
    // The claim and signature seen in the mempool, redirected to the thief: the claim names the operator.
    await expect(r.requestHub.connect(thief).fulfilSigned(a.requestId, a.req, thief.address, claim, sr, svs))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubWrongFulfilment")
      .withArgs(a.requestId, fulfilmentIdOf(a.requestId, thief.address), claim.requestId);
    // The thief's own claim naming itself needs a staked signer.
    const own = await answerClaim(r, a, x, thief.address, claim.deadline);
    const ownSig = await sig(r, thief, own.claim);
    await expect(
      r.requestHub.connect(thief).fulfilSigned(a.requestId, a.req, thief.address, own.claim, ownSig.r, ownSig.vs),
    ).to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked");
    // Front-running the operator's transaction verbatim only delivers the operator's fee sooner.
    await ledger.send(r.requestHub.connect(thief).fulfilSigned(...honest.args));
    await expect(r.requestHub.connect(r.operator).fulfilSigned(...honest.args)).to.be.revertedWithCustomError(
      r.hub,
      "ReceiptHubClaimExists",
    );
    expect(await r.requestHub.owedTo(thief.address)).to.equal(0n);
    expect(await r.requestHub.owedTo(r.operator.address)).to.equal(777n);
    await ledger.send(r.requestHub.connect(r.operator).withdraw());
    await ledger.expectDeltas({ user: -777n, operator: 777n });
  });

  it("fee theft: a copied proof is worthless to the copier", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny, 5);
    const thief = r.others[0];
    const deadline = (await latest(ethers)) + 3600n;
    const a = await ask(r, tensor, { level: LEVEL.Proven, fee: 31n });
    const { claim } = await answerClaim(r, a, x, r.operator.address, deadline);
    // A proof the operator would submit itself is bound to the operator.
    const forOperator = await proveFor(r, claim, x, r.operator.address);
    await expect(r.hub.connect(thief).submitProven(claim, forOperator)).to.be.revertedWithCustomError(
      r.hub,
      "ReceiptHubProofRejected",
    );
    await expect(
      r.requestHub.connect(thief).fulfilProven(a.requestId, a.req, r.operator.address, claim, forOperator),
    ).to.be.revertedWithCustomError(r.hub, "ReceiptHubProofRejected");
    // A proof bound to the hub (fulfilProven) pays the payee the claim names, whoever sends it.
    const forHub = await proveFor(r, claim, x, r.requestHubAddress);
    await expect(
      r.requestHub.connect(thief).fulfilProven(a.requestId, a.req, thief.address, claim, forHub),
    ).to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubWrongFulfilment");
    await (
      await r.requestHub.connect(thief).fulfilProven(a.requestId, a.req, r.operator.address, claim, forHub)
    ).wait();
    expect(await r.requestHub.owedTo(thief.address)).to.equal(0n);
    expect(await r.requestHub.owedTo(r.operator.address)).to.equal(31n);
  });

  it("refund race: at the deadline only fulfilment, after it only refund, each at most once", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const ledger = await new Ledger(ethers, {
      user: r.user.address,
      operator: r.operator.address,
      hub: r.requestHubAddress,
      requester: r.requesterAddress,
    }).open();
    const a = await ask(r, tensor, { fee: 100n, from: r.user });
    const b = await ask(r, tensor, { fee: 200n, from: r.user });
    await ledger.send(Promise.resolve(a.tx));
    await ledger.send(Promise.resolve(b.tx));
    expect(b.req.deadline).to.be.greaterThan(a.req.deadline);
    const fa = await fulfilSignedArgs(r, a, x);
    const fb = await fulfilSignedArgs(r, b, x);
    // Mined at exactly a's deadline: too early to refund (explicit gas: no estimate at another time).
    await networkHelpers.time.setNextBlockTimestamp(a.req.deadline);
    await expect(r.requestHub.connect(r.operator).refund(a.requestId, a.req, { gasLimit: 200_000 }))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubNotExpired")
      .withArgs(a.requestId, a.req.deadline);
    // It was mined, at exactly the deadline, and the operator paid for it.
    const block = (await ethers.provider.getBlock("latest"))!;
    expect(BigInt(block.timestamp)).to.equal(a.req.deadline);
    ledger.book((await ethers.provider.getTransactionReceipt(block.transactions[0]))!);
    // Mined at exactly b's deadline: still in time to fulfil.
    await networkHelpers.time.setNextBlockTimestamp(b.req.deadline);
    await ledger.send(r.requestHub.connect(r.operator).fulfilSigned(...fb.args, { gasLimit: 1_000_000 }));
    // a is now past its deadline: no fulfilment, one refund.
    await expect(r.requestHub.connect(r.operator).fulfilSigned(...fa.args))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubExpired")
      .withArgs(a.requestId, a.req.deadline);
    await ledger.send(r.requestHub.connect(r.operator).refund(a.requestId, a.req));
    await expect(r.requestHub.refund(a.requestId, a.req))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubRefunded")
      .withArgs(a.requestId);
    await expect(r.requestHub.connect(r.operator).fulfil(a.requestId, a.req, r.operator.address, fa.claim))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubRefunded")
      .withArgs(a.requestId);
    await expect(r.requestHub.refund(b.requestId, b.req))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubFulfilled")
      .withArgs(b.requestId);
    await ledger.send(r.requester.connect(r.user).withdrawFromHub());
    await ledger.send(r.requestHub.connect(r.operator).withdraw());
    await ledger.expectDeltas({ user: -300n, requester: 100n, operator: 200n });
  });

  it("replay: a claim for one hub's request fulfils nothing at another hub or on another chain", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const other = (await ethers.deployContract("AssayRequestHub", [
      r.hubAddress,
      await r.poseidon.getAddress(),
      600,
      500_000,
    ])) as unknown as AssayRequestHub;
    const otherRequester = (await ethers.deployContract("TestRequester", [
      await other.getAddress(),
    ])) as unknown as TestRequester;
    const a = await ask(r, tensor);
    const bReceipt = await (await otherRequester.ask(r.tinyId, tensor, 1n, 100_000, { value: 1000n })).wait();
    const b = bReceipt!.logs.map((l) => decodeRequested(l)).find((e) => e !== null)!;
    const bId = b.requestId;
    expect(bId).to.equal(await other.requestIdOf(0n));
    expect(bId).to.not.equal(a.requestId); // same nonce, different hub
    const fa = await fulfilSignedArgs(r, a, x);
    await (await r.requestHub.connect(r.operator).fulfilSigned(...fa.args)).wait();
    await expect(other.fulfil(bId, b.request, r.operator.address, fa.claim))
      .to.be.revertedWithCustomError(other, "AssayRequestHubWrongFulfilment")
      .withArgs(bId, fulfilmentIdOf(bId, r.operator.address), fa.claim.requestId);
    // A's request passed to B under A's id is not a request of B.
    await expect(other.fulfil(a.requestId, a.req, r.operator.address, fa.claim))
      .to.be.revertedWithCustomError(other, "AssayRequestHubNotOpen")
      .withArgs(a.requestId);

    // The same deployment on another chain: same addresses, different request ids, and the claim's
    // signature is for this chain's receipt hub.
    const chain2 = await network.create({ override: { chainId: 4242 } });
    const r2 = await requestsReady(chain2.ethers);
    expect(r2.requestHubAddress).to.equal(r.requestHubAddress);
    const tensor2 = tinyTensor(r2.tiny).tensor;
    const a2 = await ask(r2, tensor2);
    expect(a2.requestId).to.not.equal(a.requestId);
    const [, , , claim, sr, svs] = fa.args;
    await expect(
      r2.requestHub.connect(r2.operator).fulfil(a2.requestId, a2.req, r.operator.address, claim),
    ).to.be.revertedWithCustomError(r2.requestHub, "AssayRequestHubWrongFulfilment");
    const retargeted = { ...claim, requestId: fulfilmentIdOf(a2.requestId, r.operator.address) };
    await expect(
      r2.requestHub.connect(r2.operator).fulfilSigned(a2.requestId, a2.req, r.operator.address, retargeted, sr, svs),
    ).to.be.revertedWithCustomError(r2.hub, "ReceiptHubSignerNotStaked");
  });
});

// Attacks on Signed batches (contracts/protocol/BatchSettlement.sol, prover/node/batcher.ts):
// - a staked sybil watches the mempool and posts an operator's root first, to become the backer
//   of the operator's claims and to make the operator's own post revert (which used to wedge the
//   node's batcher: it retried the same root forever);
// - a crash between posting a root and recording it leaves the node rebuilding and re-posting the
//   same root after a restart.
// Defences: batches are keyed by (operator, root), so a root is only ever its poster's statement;
// the batcher treats a root its own operator already posted as posted.
import { expect } from "chai";
import { network } from "hardhat";
import { id } from "ethers";
import { BatchTree } from "../../prover/chain/batch-tree.js";
import { postOwnRoot } from "../../prover/node/batcher.js";
import { TxSender } from "../../prover/node/tx-sender.js";
import { idOf, latest, makeClaim, readyProtocol } from "../contracts/fixtures/protocol.js";
import { releaseToyModel } from "../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

describe("attack: hijacking an operator's batch root", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("a sybil posting the operator's root first neither blocks it nor becomes its claims' backer", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const now = await latest(ethers);
    const claims = [makeClaim(r.modelId, now), makeClaim(r.modelId, now)];
    const tree = BatchTree.fromClaimIds(claims.map((c) => idOf(r, c)));
    const sybil = r.operator2;
    await (await r.hub.connect(sybil).postBatch(tree.root, 2)).wait();
    // The operator's own post goes through: its batch is (operator, root), not the sybil's.
    await expect(r.hub.connect(r.operator).postBatch(tree.root, 2))
      .to.emit(r.hub, "BatchPosted")
      .withArgs(tree.root, r.operator.address, 2, (v: bigint) => v > 0n);
    // Imported from the operator's batch, the claim is backed by the operator.
    await expect(r.hub.connect(r.user).importBatchedClaim(r.operator.address, tree.root, claims[0], tree.proof(0)))
      .to.emit(r.hub, "BatchClaimImported")
      .withArgs(idOf(r, claims[0]), r.operator.address, tree.root);
    expect((await r.hub.receiptOf(idOf(r, claims[0]))).signer).to.equal(r.operator.address);
    // What the sybil posted is only its own word: a claim imported from it is backed by the
    // sybil's stake (it volunteers to be slashed), never by the operator's.
    await (await r.hub.importBatchedClaim(sybil.address, tree.root, claims[1], tree.proof(1))).wait();
    expect((await r.hub.receiptOf(idOf(r, claims[1]))).signer).to.equal(sybil.address);
    const [backer] = await r.hub.backingOf(idOf(r, claims[1]));
    expect(backer).to.equal(sybil.address);
  });

  it("the node's batcher posts its root although a sybil posted it first", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const tree = BatchTree.fromClaimIds([id("leaf a"), id("leaf b")]);
    await (await r.hub.connect(r.operator2).postBatch(tree.root, 2)).wait();
    const hub = r.hub.connect(r.operator);
    const post = postOwnRoot(hub as never, new TxSender(r.hub.interface), r.operator.address);
    const tx = await post(tree.root, 2);
    expect((await r.hub.batchOf(r.operator.address, tree.root)).operator).to.equal(r.operator.address);
    expect(tx.gasUsed > 0n).to.equal(true);
  });

  it("after a crash between posting and recording, the restarted batcher treats its root as posted", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const tree = BatchTree.fromClaimIds([id("leaf c"), id("leaf d"), id("leaf e")]);
    // The process that crashed got its postBatch mined, then died before recording the batch.
    const crashed = await (await r.hub.connect(r.operator).postBatch(tree.root, 3)).wait();
    const nonce = await ethers.provider.getTransactionCount(r.operator.address);
    // The restarted node rebuilds the same tree from the claims still marked "batching".
    const hub = r.hub.connect(r.operator);
    const post = postOwnRoot(hub as never, new TxSender(r.hub.interface), r.operator.address);
    const tx = await post(tree.root, 3);
    expect(tx.hash).to.equal(crashed!.hash);
    expect(tx.blockNumber).to.equal(crashed!.blockNumber);
    // No second transaction was sent, so nothing reverted and no gas was spent on a retry.
    expect(await ethers.provider.getTransactionCount(r.operator.address)).to.equal(nonce);
  });

  it("unstaked accounts cannot post; an operator below the minimum stake stops importing", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const now = await latest(ethers);
    const claim = makeClaim(r.modelId, now);
    const tree = BatchTree.fromClaimIds([idOf(r, claim), id("filler")]);
    await expect(r.hub.connect(r.user).postBatch(tree.root, 2))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
      .withArgs(r.user.address, 0, r.params.minStake);
    await (await r.hub.connect(r.operator2).postBatch(tree.root, 2)).wait();
    // operator2 held exactly the minimum; it unbonds part of it after posting.
    await (await r.hub.connect(r.operator2).requestUnbonding(1n)).wait();
    await expect(r.hub.importBatchedClaim(r.operator2.address, tree.root, claim, tree.proof(0)))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
      .withArgs(r.operator2.address, r.params.minStake - 1n, r.params.minStake);
  });
});

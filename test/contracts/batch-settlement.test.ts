import { expect } from "chai";
import { network } from "hardhat";
import { id, keccak256, ZeroHash } from "ethers";
import { BatchTree, BatchTreeError, batchLeaf } from "../../prover/chain/batch-tree.js";
import { bindingFor } from "../../prover/chain/binding.js";
import type { Claim } from "../../prover/chain/claim.js";
import {
  LEVEL,
  challengeAs,
  idOf,
  latest,
  makeClaim,
  fam,
  modelInput,
  readyProtocol,
  type Ready,
} from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

interface Posted {
  claims: Claim[];
  ids: string[];
  tree: BatchTree;
  postedAt: bigint;
}

/** Posts a batch of `n` claims by the operator; claim 0 is a lie about toy input (40, 1). */
async function postBatch(r: Ready, n: number): Promise<Posted> {
  const now = await latest(ethers);
  const claims: Claim[] = [makeClaim(r.modelId, now, { inputCommitment: await toyCommitment(40n, 1n), output: 3n })];
  for (let i = 1; i < n; i++) claims.push(makeClaim(r.modelId, now));
  const ids = claims.map((c) => idOf(r, c));
  const tree = BatchTree.fromClaimIds(ids);
  const tx = await r.hub.connect(r.operator).postBatch(tree.root, n);
  const postedAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
  return { claims, ids, tree, postedAt };
}

describe("BatchSettlement", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("builds trees the contract accepts, for every size and leaf", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    expect(await r.hub.batchLeafOf(id("x"))).to.equal(batchLeaf(id("x")));
    expect(batchLeaf(id("x"))).to.equal(keccak256(id("x")));
    for (const n of [1, 2, 3, 5, 8, 13]) {
      const b = await postBatch(r, n);
      for (let i = 0; i < n; i++) {
        expect(await r.hub.checkBatchedClaim(r.operator.address, b.tree.root, b.claims[i], b.tree.proof(i))).to.equal(
          b.ids[i],
        );
      }
    }
    expect(() => BatchTree.fromClaimIds([])).to.throw(BatchTreeError);
    expect(() => BatchTree.fromClaimIds(["0x12"])).to.throw(BatchTreeError);
    expect(() => BatchTree.fromClaimIds([id("a")]).proof(1)).to.throw(BatchTreeError);
  });

  it("posts a root per staked operator, once", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const root = id("root");
    await expect(r.hub.connect(r.operator).postBatch(ZeroHash, 1)).to.be.revertedWithCustomError(
      r.hub,
      "BatchZeroRoot",
    );
    await expect(r.hub.connect(r.user).postBatch(root, 1))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
      .withArgs(r.user.address, 0, r.params.minStake);
    const tx = await r.hub.connect(r.operator).postBatch(root, 1n << 20n);
    const ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await expect(tx)
      .to.emit(r.hub, "BatchPosted")
      .withArgs(root, r.operator.address, 1n << 20n, ts + BigInt(r.params.challengeWindow));
    const batch = await r.hub.batchOf(r.operator.address, root);
    expect([batch.operator, batch.postedAt, batch.importDeadline]).to.deep.equal([
      r.operator.address,
      ts,
      ts + BigInt(r.params.challengeWindow),
    ]);
    await expect(r.hub.connect(r.operator).postBatch(root, 1))
      .to.be.revertedWithCustomError(r.hub, "BatchRootExists")
      .withArgs(r.operator.address, root);
    // Another operator's post of the same root is its own batch, not a clash.
    await (await r.hub.connect(r.operator2).postBatch(root, 1)).wait();
    expect((await r.hub.batchOf(r.operator2.address, root)).operator).to.equal(r.operator2.address);
    expect((await r.hub.batchOf(r.operator.address, root)).operator).to.equal(r.operator.address);
  });

  it("checks membership: unknown roots and wrong proofs are refused", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const b = await postBatch(r, 6);
    const unknown = id("unposted root");
    await expect(r.hub.checkBatchedClaim(r.operator.address, unknown, b.claims[0], b.tree.proof(0)))
      .to.be.revertedWithCustomError(r.hub, "BatchUnknownRoot")
      .withArgs(r.operator.address, unknown);
    await expect(r.hub.checkBatchedClaim(r.operator.address, b.tree.root, b.claims[0], b.tree.proof(1)))
      .to.be.revertedWithCustomError(r.hub, "BatchNotMember")
      .withArgs(b.tree.root, b.ids[0]);
    const outsider = makeClaim(r.modelId, await latest(ethers));
    await expect(r.hub.checkBatchedClaim(r.operator.address, b.tree.root, outsider, b.tree.proof(0)))
      .to.be.revertedWithCustomError(r.hub, "BatchNotMember")
      .withArgs(b.tree.root, idOf(r, outsider));
    await expect(r.hub.importBatchedClaim(r.operator.address, b.tree.root, outsider, b.tree.proof(0)))
      .to.be.revertedWithCustomError(r.hub, "BatchNotMember")
      .withArgs(b.tree.root, idOf(r, outsider));
  });

  it("imports a claim as Signed by the batch operator, with its own challenge window", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const b = await postBatch(r, 4);
    await networkHelpers.time.increase(600);
    const tx = await r.hub
      .connect(r.user)
      .importBatchedClaim(r.operator.address, b.tree.root, b.claims[2], b.tree.proof(2));
    const ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await expect(tx).to.emit(r.hub, "ClaimSigned").withArgs(b.ids[2], r.operator.address);
    await expect(tx).to.emit(r.hub, "BatchClaimImported").withArgs(b.ids[2], r.operator.address, b.tree.root);
    const receipt = await r.hub.receiptOf(b.ids[2]);
    expect([receipt.level, receipt.batched, receipt.signer, receipt.challengeEnd]).to.deep.equal([
      BigInt(LEVEL.Signed),
      true,
      r.operator.address,
      ts + BigInt(r.params.challengeWindow),
    ]);
    await expect(r.hub.importBatchedClaim(r.operator.address, b.tree.root, b.claims[2], b.tree.proof(2)))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExists")
      .withArgs(b.ids[2], LEVEL.Signed);
    const batch = await r.hub.batchOf(r.operator.address, b.tree.root);
    await networkHelpers.time.increaseTo(batch.importDeadline + 1n);
    await expect(r.hub.importBatchedClaim(r.operator.address, b.tree.root, b.claims[3], b.tree.proof(3)))
      .to.be.revertedWithCustomError(r.hub, "BatchImportClosed")
      .withArgs(b.tree.root, batch.importDeadline);
    // Checking still works after imports close.
    expect(await r.hub.checkBatchedClaim(r.operator.address, b.tree.root, b.claims[3], b.tree.proof(3))).to.equal(
      b.ids[3],
    );
  });

  it("refuses claims expired before the batch, out of field, or whose model does not take Signed", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const now = await latest(ethers);
    const signedOff = modelInput(r.toy, { family: fam("proven only"), allowedLevels: 1 << LEVEL.Proven });
    await (await r.hub.registerModelVersion(signedOff)).wait();
    const provenOnly = await r.hub.modelIdOf(signedOff.family, 1);
    const stale = makeClaim(r.modelId, now, { deadline: now - 1n });
    const outOfField = makeClaim(r.modelId, now, { output: R });
    const wrongModel = makeClaim(provenOnly, now);
    const { TypedDataEncoder } = await import("ethers");
    const { CLAIM_TYPES, hubDomain } = await import("../../prover/chain/claim.js");
    const rawId = (c: Claim) => TypedDataEncoder.hash(hubDomain(r.chainId, r.hubAddress), CLAIM_TYPES, { ...c });
    const ids = [stale, outOfField, wrongModel].map(rawId);
    const tree = BatchTree.fromClaimIds(ids);
    const tx = await r.hub.connect(r.operator).postBatch(tree.root, 3);
    const postedAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await expect(r.hub.importBatchedClaim(r.operator.address, tree.root, stale, tree.proof(0)))
      .to.be.revertedWithCustomError(r.hub, "BatchClaimExpired")
      .withArgs(ids[0], now - 1n, postedAt);
    await expect(r.hub.importBatchedClaim(r.operator.address, tree.root, outOfField, tree.proof(1)))
      .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotInField")
      .withArgs(ids[1], R);
    await expect(r.hub.importBatchedClaim(r.operator.address, tree.root, wrongModel, tree.proof(2)))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryLevelNotAllowed")
      .withArgs(provenOnly, LEVEL.Signed);
  });

  it("lets an imported lie be refuted with a proof, slashing the batch operator", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const b = await postBatch(r, 3);
    await (await r.hub.importBatchedClaim(r.operator.address, b.tree.root, b.claims[0], b.tree.proof(0))).wait();
    await (await challengeAs(r.hub, r.challenger, b.ids[0])).wait();
    const p = await proveToy(r.toy, 40n, 1n, bindingFor(b.ids[0], r.challenger.address));
    await expect(r.hub.connect(r.challenger).refute(b.claims[0], toyOutput(40n), p.proof))
      .to.emit(r.hub, "ClaimRefuted")
      .withArgs(b.ids[0], r.challenger.address, r.operator.address, toyOutput(40n), r.params.slashAmount);
    // A true batched claim can be raised to Proven like any other.
    const truthful = makeClaim(r.modelId, await latest(ethers), {
      inputCommitment: await toyCommitment(41n, 2n),
      output: toyOutput(41n),
    });
    const tree = BatchTree.fromClaimIds([idOf(r, truthful), id("other leaf")]);
    await (await r.hub.connect(r.operator).postBatch(tree.root, 2)).wait();
    await (await r.hub.importBatchedClaim(r.operator.address, tree.root, truthful, tree.proof(0))).wait();
    const q = await proveToy(r.toy, 41n, 2n, bindingFor(idOf(r, truthful), r.user.address));
    await expect(r.hub.connect(r.user).submitProven(truthful, q.proof))
      .to.emit(r.hub, "ClaimProven")
      .withArgs(idOf(r, truthful), r.user.address, LEVEL.Signed);
  });
});

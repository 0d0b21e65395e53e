// prover/chain/batch-tree.ts: every proof of batches of 1..9 and 33 claims verifies with the
// library's own verify, folds to the root, and passes OpenZeppelin's MerkleProof on chain
// (checkBatchedClaim of a deployed protocol); a tampered sibling fails both; bad input throws
// BatchTreeError.
import { expect } from "chai";
import { network } from "hardhat";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { concat, getBytes, hexlify, id, keccak256 } from "ethers";
import { BatchTree, BatchTreeError, batchLeaf, batchRootOf } from "../../../prover/chain/batch-tree.js";
import { type Claim, claimIdOf } from "../../../prover/chain/claim.js";
import { expectThrow } from "../../helpers/reject.js";
import { defaultParams, deployProtocolContracts, latest, makeClaim } from "../../contracts/fixtures/protocol.js";

const { ethers, networkHelpers } = await network.create();

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 33];

/** The protocol against a stub verifier, with one staked operator: enough to post and check batches. */
async function batchHub() {
  const [admin, operator, treasury] = await ethers.getSigners();
  const verifier = await ethers.deployContract("RevertingVerifier", [false]);
  const params = defaultParams(treasury.address);
  const hub = await deployProtocolContracts(ethers, await verifier.getAddress(), admin.address, params);
  await (await hub.connect(operator).stake({ value: params.minStake })).wait();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return { hub, operator, chainId, hubAddress: await hub.getAddress() };
}

/** `proof` with its `at`-th sibling's last byte flipped. */
function tampered(proof: string[], at: number): string[] {
  const bytes = getBytes(proof[at]);
  bytes[31] ^= 1;
  return proof.map((p, i) => (i === at ? hexlify(bytes) : p));
}

describe("prover/chain/batch-tree", function () {
  it("gives every claim a proof of floor or ceil log2(size) hashes the library verifies; tampering fails", function () {
    for (const n of SIZES) {
      const ids = Array.from({ length: n }, (_, i) => id(`claim ${n} ${i}`));
      const tree = BatchTree.fromClaimIds(ids);
      expect(tree.size).to.equal(n);
      expect(BatchTree.fromLeaves(ids.map(batchLeaf)).root).to.equal(tree.root);
      for (let i = 0; i < n; i++) {
        const leaf = keccak256(ids[i]);
        const proof = tree.proof(i);
        expect(proof.length).to.be.oneOf([Math.floor(Math.log2(n)), Math.ceil(Math.log2(n))]);
        expect(SimpleMerkleTree.verify(tree.root, leaf, proof)).to.equal(true);
        expect(batchRootOf(leaf, proof)).to.equal(tree.root);
        for (let at = 0; at < proof.length; at++) {
          expect(SimpleMerkleTree.verify(tree.root, leaf, tampered(proof, at))).to.equal(false);
          expect(batchRootOf(leaf, tampered(proof, at))).to.not.equal(tree.root);
        }
        // Another claim's proof places this leaf elsewhere.
        if (n > 1) expect(batchRootOf(leaf, tree.proof((i + 1) % n))).to.not.equal(tree.root);
      }
    }
    expect(BatchTree.fromClaimIds([id("solo")]).root).to.equal(keccak256(id("solo")));
    expect(BatchTree.fromClaimIds([id("solo")]).proof(0)).to.deep.equal([]);
  });

  it("keeps claim order: leaves not sorted, claims 0 and 1 paired, claim 2 the root's other child", function () {
    const ids = [id("a"), id("b"), id("c")];
    const [l0, l1, l2] = ids.map((x) => keccak256(x));
    expect(BigInt(l0) > BigInt(l1) && BigInt(l1) > BigInt(l2)).to.equal(true); // sorting would reverse them
    const pair = (x: string, y: string) => keccak256(concat(BigInt(x) < BigInt(y) ? [x, y] : [y, x]));
    const tree = BatchTree.fromClaimIds(ids);
    expect(tree.proof(0)).to.deep.equal([l1, l2]);
    expect(tree.proof(2)).to.deep.equal([pair(l0, l1)]);
    expect(tree.root).to.equal(pair(pair(l0, l1), l2));
  });

  it("verifies every proof on chain with OpenZeppelin's MerkleProof; a tampered sibling is refused", async function () {
    const { hub, operator, chainId, hubAddress } = await networkHelpers.loadFixture(batchHub);
    const now = await latest(ethers);
    for (const n of SIZES) {
      const claims: Claim[] = Array.from({ length: n }, () => makeClaim(id("any model"), now));
      const ids = claims.map((c) => claimIdOf(c, chainId, hubAddress));
      const tree = BatchTree.fromClaimIds(ids);
      await (await hub.connect(operator).postBatch(tree.root, n)).wait();
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        expect(await hub.checkBatchedClaim(operator.address, tree.root, claims[i], proof)).to.equal(ids[i]);
        if (proof.length === 0) continue;
        await expect(hub.checkBatchedClaim(operator.address, tree.root, claims[i], tampered(proof, i % proof.length)))
          .to.be.revertedWithCustomError(hub, "BatchNotMember")
          .withArgs(tree.root, ids[i]);
      }
    }
  });

  it("throws BatchTreeError for bad claim ids, leaves, proof hashes and indexes", function () {
    const tree = BatchTree.fromClaimIds([id("a"), id("b"), id("c")]);
    expectThrow(() => BatchTree.fromClaimIds([]), BatchTreeError, "a batch needs at least one claim");
    expectThrow(() => BatchTree.fromLeaves([]), BatchTreeError, "a batch needs at least one claim");
    expectThrow(() => BatchTree.fromClaimIds([id("a"), "0x12"]), BatchTreeError, "claim id 0x12 is not 32-byte hex");
    expectThrow(() => BatchTree.fromClaimIds(["claim"]), BatchTreeError, "claim id claim is not 32-byte hex");
    expectThrow(() => batchLeaf("0xabc"), BatchTreeError, "claim id 0xabc is not 32-byte hex");
    expectThrow(() => BatchTree.fromLeaves(["0x1234"]), BatchTreeError, "leaf 0 0x1234 is not 32-byte hex");
    expectThrow(() => BatchTree.fromLeaves([id("a"), new Uint8Array(31)]), BatchTreeError, /^leaf 1 0x0{62} is not/);
    expectThrow(() => batchRootOf("0x12", []), BatchTreeError, "leaf 0x12 is not 32-byte hex");
    expectThrow(() => batchRootOf(id("a"), [id("b"), "0x12"]), BatchTreeError, "proof hash 1 0x12 is not 32-byte");
    for (const index of [-1, 3, 1.5, Number.NaN]) {
      expectThrow(() => tree.proof(index), BatchTreeError, `leaf index ${index} is outside a tree of 3`);
    }
  });
});

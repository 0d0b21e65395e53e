// Merkle tree of a settlement batch (contracts/interfaces/IBatchSettlement.sol), built with
// OpenZeppelin's @openzeppelin/merkle-tree: leaves are keccak256(abi.encode(claimId)) in claim
// order, inner nodes keccak256 of the two children in ascending order (what OpenZeppelin's
// MerkleProof verifies on chain). The library lays the leaves out as a complete binary tree, so
// any number of claims >= 1 makes a tree and every proof has floor or ceil of log2(size) hashes.
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
// processProof is the library's fold (its static verify compares it to a root); the package
// index exports only the tree classes.
import { processProof } from "@openzeppelin/merkle-tree/dist/core.js";
import { hexlify, isHexString, keccak256 } from "ethers";

/** A claim id or leaf is not 32-byte hex, a tree has no leaves, or an index is outside it. */
export class BatchTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BatchTreeError";
  }
}

/** The batch leaf of a claim id: keccak256(abi.encode(claimId)) (abi.encode of bytes32 is itself). */
export function batchLeaf(claimId: string): string {
  if (!isHexString(claimId, 32)) throw new BatchTreeError(`claim id ${claimId} is not 32-byte hex`);
  return keccak256(claimId);
}

function checkNode(node: string | Uint8Array, what: string): void {
  const ok = typeof node === "string" ? isHexString(node, 32) : node.length === 32;
  if (!ok) throw new BatchTreeError(`${what} ${typeof node === "string" ? node : hexlify(node)} is not 32-byte hex`);
}

/** The root `proof` folds `leaf` to (as MerkleProof.processProof does on chain); a member folds to its batch root. */
export function batchRootOf(leaf: string, proof: readonly string[]): string {
  checkNode(leaf, "leaf");
  proof.forEach((p, i) => checkNode(p, `proof hash ${i}`));
  return hexlify(processProof(leaf, [...proof]));
}

export class BatchTree {
  private constructor(private readonly tree: SimpleMerkleTree) {}

  /** Tree over the batch leaves of these claim ids, in this order. */
  static fromClaimIds(claimIds: readonly string[]): BatchTree {
    return BatchTree.fromLeaves(claimIds.map(batchLeaf));
  }

  /** Tree over leaf values given directly (already `batchLeaf`-hashed); leaf i stays at index i. */
  static fromLeaves(leaves: readonly (string | Uint8Array)[]): BatchTree {
    if (leaves.length === 0) throw new BatchTreeError("a batch needs at least one claim");
    leaves.forEach((l, i) => checkNode(l, `leaf ${i}`));
    // Lowercase hex in, so the root and proofs come out in ethers' spelling.
    const values = leaves.map((l) => hexlify(l));
    return new BatchTree(SimpleMerkleTree.of(values, { sortLeaves: false }));
  }

  get size(): number {
    return this.tree.length;
  }

  get root(): string {
    return this.tree.root;
  }

  /** Sibling hashes from leaf `index` up to the root, for MerkleProof.verify on chain. */
  proof(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new BatchTreeError(`leaf index ${index} is outside a tree of ${this.size}`);
    }
    return this.tree.getProof(index);
  }
}

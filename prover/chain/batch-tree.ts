// Merkle tree of a settlement batch (contracts/interfaces/IBatchSettlement.sol): leaves are
// keccak256(abi.encode(claimId)), inner nodes keccak256 of the two children in ascending order
// (what OpenZeppelin's MerkleProof verifies). A level with an odd number of nodes carries its
// last node up unchanged, so any number of claims >= 1 makes a tree.
import { getBytes, hexlify, isHexString, keccak256 } from "ethers";

/** A claim id is not 32-byte hex, a tree has no leaves, or an index is outside it. */
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

function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  if (lessThan(b, a)) {
    buf.set(b, 0);
    buf.set(a, 32);
  } else {
    buf.set(a, 0);
    buf.set(b, 32);
  }
  return getBytes(keccak256(buf));
}

export class BatchTree {
  /** levels[0] are the leaves, the last level is [root]. */
  private readonly levels: Uint8Array[][];

  private constructor(leaves: Uint8Array[]) {
    if (leaves.length === 0) throw new BatchTreeError("a batch needs at least one claim");
    this.levels = [leaves];
    let level = leaves;
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(hashPair(level[i], level[i + 1]));
      if (level.length % 2 === 1) next.push(level[level.length - 1]);
      this.levels.push(next);
      level = next;
    }
  }

  /** Tree over the batch leaves of these claim ids, in this order. */
  static fromClaimIds(claimIds: readonly string[]): BatchTree {
    return new BatchTree(claimIds.map((id) => getBytes(batchLeaf(id))));
  }

  /** Tree over leaf values given directly (already `batchLeaf`-hashed). */
  static fromLeaves(leaves: readonly (string | Uint8Array)[]): BatchTree {
    return new BatchTree(
      leaves.map((l, i) => {
        const b = typeof l === "string" ? getBytes(l) : l;
        if (b.length !== 32) throw new BatchTreeError(`leaf ${i} is ${b.length} bytes, not 32`);
        return b;
      }),
    );
  }

  get size(): number {
    return this.levels[0].length;
  }

  get root(): string {
    return hexlify(this.levels[this.levels.length - 1][0]);
  }

  /** Sibling hashes from leaf `index` up to the root (skipping levels where it has none). */
  proof(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new BatchTreeError(`leaf index ${index} is outside a tree of ${this.size}`);
    }
    const path: string[] = [];
    let i = index;
    for (let d = 0; d < this.levels.length - 1; d++) {
      const level = this.levels[d];
      const sibling = i ^ 1;
      if (sibling < level.length) path.push(hexlify(level[sibling]));
      i >>= 1;
    }
    return path;
  }
}

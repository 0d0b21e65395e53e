// The verifier's `uint256[8]` proof argument back into the snarkjs proof shape, so a proof read
// from a transaction can be checked off-chain (inverse of vkey-encoding's encodeProof).
import type { SnarkjsProof } from "../zk/vkey-encoding.js";

export function decodeProofCalldata(words: readonly (bigint | string | number)[]): SnarkjsProof {
  if (words.length !== 8) throw new Error(`a proof is 8 words, got ${words.length}`);
  const [ax, ay, bx1, bx0, by1, by0, cx, cy] = words.map((w) => BigInt(w).toString());
  const g1 = (x: string, y: string) => (x === "0" && y === "0" ? ["0", "1", "0"] : [x, y, "1"]);
  const infB = [bx1, bx0, by1, by0].every((w) => w === "0");
  return {
    protocol: "groth16",
    curve: "bn128",
    pi_a: g1(ax, ay),
    pi_b: infB
      ? [
          ["0", "0"],
          ["1", "0"],
          ["0", "0"],
        ]
      : [
          [bx0, bx1],
          [by0, by1],
          ["1", "0"],
        ],
    pi_c: g1(cx, cy),
  };
}

/** A decoded hub call (ethers' TransactionDescription has this shape). */
export interface HubCall {
  name: string;
  args: readonly unknown[];
}

interface ClaimFields {
  modelId: string;
  inputCommitment: bigint;
  output: bigint;
  requestId: string;
  deadline: bigint;
}

/**
 * The proof words a hub call carries for `claim`: `submitProven`'s proof, or the proof beside the
 * claim in a `submitProvenBatch`. Undefined for any other call (the proof cannot be read back).
 */
export function proofWordsFor(call: HubCall | undefined, claim: ClaimFields): bigint[] | undefined {
  if (call?.name === "submitProven") return (call.args[1] as bigint[]).map(BigInt);
  if (call?.name !== "submitProvenBatch") return undefined;
  const claims = call.args[0] as readonly ClaimFields[];
  const same = (c: ClaimFields) =>
    String(c.modelId).toLowerCase() === claim.modelId.toLowerCase() &&
    BigInt(c.inputCommitment) === claim.inputCommitment &&
    BigInt(c.output) === claim.output &&
    String(c.requestId).toLowerCase() === claim.requestId.toLowerCase() &&
    BigInt(c.deadline) === claim.deadline;
  const i = claims.findIndex(same);
  return i < 0 ? undefined : (call.args[1] as readonly bigint[][])[i].map(BigInt);
}

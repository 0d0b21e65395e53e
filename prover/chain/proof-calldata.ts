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

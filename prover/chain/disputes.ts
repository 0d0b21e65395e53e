// Challenges are commit-reveal, so a pending challenge cannot be copied by a front-runner: the
// challenger first commits keccak256(abi.encode(claimId, challenger, salt)) and, in a later block
// and within the claim's challenge window, reveals (claimId, salt) with the bond. Only the
// committer can reveal its commitment, and a copy of the reveal has no commitment of its own.
import { AbiCoder, type BaseContract, type ContractTransactionResponse, hexlify, keccak256, randomBytes } from "ethers";

/** The commitment a challenger posts first. */
export function challengeCommitment(claimId: string, challenger: string, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "bytes32"], [claimId, challenger, salt]));
}

interface ChallengeHub {
  commitChallenge(commitment: string): Promise<ContractTransactionResponse>;
  challenge(claimId: string, salt: string, overrides: { value: bigint }): Promise<ContractTransactionResponse>;
  challengeBond(): Promise<bigint>;
}

/**
 * Opens a dispute on `claimId` from `hub`'s runner: commits, waits for the commitment to be
 * mined, then reveals with the bond. Returns the reveal transaction, mined.
 */
export async function openChallenge(hub: BaseContract, claimId: string, salt: string = hexlify(randomBytes(32))) {
  const runner = hub.runner as { getAddress?: () => Promise<string> } | null;
  if (!runner?.getAddress) throw new Error("openChallenge needs a hub connected to a signer");
  const challenger = await runner.getAddress();
  const h = hub as unknown as ChallengeHub;
  await (await h.commitChallenge(challengeCommitment(claimId, challenger, salt))).wait();
  const bond = await h.challengeBond();
  const tx = await h.challenge(claimId, salt, { value: bond });
  await tx.wait();
  return tx;
}

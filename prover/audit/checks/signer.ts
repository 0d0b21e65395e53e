// A Signed claim's operator: "signature" (the signature in the submitting calldata recovers to
// the recorded operator) and "signer-staked" (the operator held the minimum stake when the claim
// was recorded).
import { formatEther, getAddress, recoverAddress, Signature } from "ethers";
import { type AuditCheck, check, passIf } from "../audit-report.js";
import type { ClaimEvent } from "../claim-history.js";
import type { StakeAtBlock } from "../hub-reads.js";

/** For a ClaimSigned event that was not imported from a batch. */
export function checkSignature(event: ClaimEvent, claimId: string): AuditCheck {
  if (event.call?.name !== "submitSigned")
    return check(
      "signature",
      "fail",
      `the signature in tx ${event.txHash} went through ${event.to}: it cannot be read back`,
    );
  const operator = getAddress(event.args.operator as string);
  const { args } = event.call;
  const signer = recoverAddress(claimId, Signature.from({ r: args[1], yParityAndS: args[2] }));
  const whose = signer === operator ? ", the recorded operator" : `, not the recorded operator ${operator}`;
  return check(
    "signature",
    passIf(signer === operator),
    `signature in tx ${event.txHash} recovers to ${signer}${whose}`,
  );
}

export function checkSignerStaked(stake: StakeAtBlock): AuditCheck {
  const had = stake.staked ? "had" : "did NOT have";
  return check(
    "signer-staked",
    passIf(stake.staked),
    `operator ${stake.operator} ${had} the minimum stake (${formatEther(stake.minStake)} ETH) ` +
      `when the claim was recorded (block ${stake.block})`,
  );
}

// An Attested claim's enclave: "attested-signature" (the signature in the submitting calldata is
// the enclave key's over AttestedClaim(claimId, verifyingKeyId), and that key id is the model's),
// "enclave-key" (registered, unexpired when the claim was recorded, not revoked) and
// "enclave-image" (the key's image is approved for the model and not revoked).
import { getAddress, recoverAddress, Signature } from "ethers";
import { attestedClaimDigest } from "../../chain/claim.js";
import { type AuditCheck, check, passIf } from "../audit-report.js";
import type { ClaimEvent } from "../claim-history.js";
import { short, when } from "../detail-format.js";
import type { EnclaveKeyRecord, ImageStanding } from "../hub-reads.js";

/**
 * Undefined when the claim did not reach the hub through submitAttested (no signature to read).
 * `hub` is the receipt hub (its EIP-712 domain), `modelKeyId` the model's registered key id.
 */
export function checkAttestedSignature(
  event: ClaimEvent,
  claimId: string,
  hub: { chainId: bigint; address: string },
  modelKeyId: string,
): AuditCheck | undefined {
  const call = event.call?.name === "submitAttested" ? event.call : undefined;
  if (!call) return undefined;
  // submitAttested(claim, verifyingKeyId, r, vs)
  const signedKeyId = String(call.args[1]);
  const digest = attestedClaimDigest(claimId, signedKeyId, hub.chainId, hub.address);
  const key = getAddress(event.args.key as string);
  const signer = recoverAddress(digest, Signature.from({ r: call.args[2], yParityAndS: call.args[3] }));
  const whose = signer === key ? ", the enclave key" : `, not the enclave key ${key}`;
  const sameKey = signedKeyId.toLowerCase() === modelKeyId.toLowerCase();
  const ran = sameKey
    ? `for verifying key ${short(signedKeyId)}, the model's`
    : `for verifying key ${short(signedKeyId)}, NOT the model's ${short(modelKeyId)}`;
  return check(
    "attested-signature",
    passIf(signer === key && sameKey),
    `signature in tx ${event.txHash} recovers to ${signer}${whose}; signed ${ran}`,
  );
}

/** `now` is the latest block's timestamp. */
export function checkEnclaveKey(event: ClaimEvent, key: EnclaveKeyRecord, now: number): AuditCheck {
  if (!key.registered) return check("enclave-key", "fail", `enclave key ${key.address} is not registered`);
  const validThen = event.timestamp <= key.expiresAt;
  const since = now > key.expiresAt ? ", expired since" : "";
  const validity = `${validThen ? "valid" : "EXPIRED"} when the claim was recorded${since}`;
  const revocation = key.revoked ? "REVOKED" : "not revoked";
  return check(
    "enclave-key",
    passIf(validThen && !key.revoked),
    `${key.address}: registered for image ${short(key.measurement)} from attestation document ` +
      `${short(key.attestationDocHash)}; expires ${when(key.expiresAt)} (${validity}); ${revocation}`,
  );
}

export function checkEnclaveImage(image: ImageStanding): AuditCheck {
  const approval = image.approved ? "approved" : "NOT approved";
  const revocation = image.revoked ? ` and was REVOKED at ${when(image.revokedAt)}` : ", not revoked";
  return check(
    "enclave-image",
    passIf(image.approved && !image.revoked),
    `image ${short(image.measurement)} is ${approval} for the model${revocation}`,
  );
}

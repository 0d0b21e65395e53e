// "proof": every proof recorded for the claim (a Proven submission, a raise, a defence) verifies
// off-chain against the registered key for [input commitment, output, binding(claim, beneficiary)].
import { getAddress } from "ethers";
import { bindingFor } from "../../chain/binding.js";
import type { Claim } from "../../chain/claim.js";
import { decodeProofCalldata, proofWordsFor } from "../../chain/proof-calldata.js";
import { LEVEL } from "../../chain/protocol-client.js";
import { groth16Verify } from "../../zk/groth16.js";
import type { SnarkjsVerificationKey } from "../../zk/vkey-encoding.js";
import { type AuditCheck, check, passIf } from "../audit-report.js";
import type { ClaimEvent } from "../claim-history.js";
import { short } from "../detail-format.js";

export interface ProofSubject {
  claimId: string;
  claim: Claim;
  /** The registered verifying key's id, and the key (absent when it could not be read). */
  keyId: string;
  vkey?: SnarkjsVerificationKey;
}

/** The skip reported when no proof was ever submitted. */
export function checkNoProof(recordedLevel: number): AuditCheck {
  const standing =
    recordedLevel !== LEVEL.None ? " (it stands on a signature; a proof can still raise or refute it)" : "";
  return check("proof", "skip", `not Proven: no proof was submitted${standing}`);
}

/** Checks the proof of one ClaimProven event, read back from its submitProven(Batch) calldata. */
export async function checkProof(event: ClaimEvent, s: ProofSubject): Promise<AuditCheck> {
  const words = proofWordsFor(event.call, s.claim);
  if (!words) {
    return check(
      "proof",
      "fail",
      `the proof in tx ${event.txHash} was submitted through ${event.to}: ` +
        "its calldata is not the hub's, so the proof cannot be read back",
    );
  }
  if (!s.vkey)
    return check("proof", "fail", `the proof in tx ${event.txHash} cannot be checked without the registered key`);
  const beneficiary = getAddress(event.args.beneficiary as string);
  const signals = [s.claim.inputCommitment, s.claim.output, bindingFor(s.claimId, beneficiary)];
  const ok = await groth16Verify(s.vkey, signals, decodeProofCalldata(words));
  const verdict = ok ? "verifies" : "does NOT verify";
  return check(
    "proof",
    passIf(ok),
    `Groth16 proof from tx ${event.txHash} ${verdict} off-chain against key ${short(s.keyId)} ` +
      `for [input commitment, output, binding(claim, ${beneficiary})]`,
  );
}

/** One check per ClaimProven event, or the skip when there is none. */
export async function checkProofs(
  proofs: readonly ClaimEvent[],
  s: ProofSubject,
  recordedLevel: number,
): Promise<AuditCheck[]> {
  if (proofs.length === 0) return [checkNoProof(recordedLevel)];
  const checks: AuditCheck[] = [];
  for (const p of proofs) checks.push(await checkProof(p, s));
  return checks;
}

// "setup": where the model's verifying key came from. Keys from a development ceremony (the
// development powers of tau, any beacon-only ceremony) have public secrets: anyone can forge a
// proof the verifier accepts. On a local development chain that is fine for testing; on any other
// chain a Proven claim of such a model proves nothing and fails the audit, and a Signed or
// Attested one is noted, since its disputes are settled by proofs that can be forged.
import { isDevelopmentChain } from "../../chain/dev-chain.js";
import { LEVEL } from "../../chain/protocol-client.js";
import { type AuditCheck, check } from "../audit-report.js";
import { short } from "../detail-format.js";
import type { HubReceipt } from "../hub-reads.js";
import type { SetupRecord } from "../setup-reads.js";

function hashes(record: SetupRecord): string {
  const d = record.declared;
  return d ? `ptau sha256 ${short(d.ptauHash)}, phase 2 sha256 ${short(d.phase2Hash)}` : "ceremony hashes not found";
}

export function checkSetup(record: SetupRecord, receipt: HubReceipt, chainId: bigint): AuditCheck {
  if (record.developmentSetup === undefined && record.declared === undefined)
    return check("setup", "skip", "the registry does not record the key's setup provenance");
  const development = record.developmentSetup === true || record.declared?.development === true;
  if (!development)
    return check("setup", "pass", `not a development setup (${hashes(record)}; re-check: assay model verify-setup)`);
  const where = `development setup (${hashes(record)}): its secrets are public, anyone can forge its proofs`;
  if (isDevelopmentChain(chainId))
    return check("setup", "pass", `${where}; chain ${chainId} is a development chain: fine for testing only`);
  if (receipt.level === LEVEL.Proven && !receipt.refuted)
    return check("setup", "fail", `${where}, so this Proven claim proves nothing on chain ${chainId}`);
  return check("setup", "info", `${where}, so a dispute of this claim on chain ${chainId} proves nothing`);
}

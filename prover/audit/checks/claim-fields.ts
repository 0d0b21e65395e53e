// "claim-fields": the claim's fields, read back from the calldata of a transaction that recorded
// it (the hub does not log them), hash to the claim id under the hub's EIP-712 domain.
import { claimIdOf } from "../../chain/claim.js";
import { type AuditCheck, check, passIf } from "../audit-report.js";
import type { ClaimHistory } from "../claim-history.js";
import { short } from "../detail-format.js";

export function checkClaimFields(history: ClaimHistory, claimId: string, chainId: bigint, hub: string): AuditCheck {
  const src = history.events.find((e) => e.claim);
  if (!history.claim || !src) {
    const txs = [...new Set(history.events.map((e) => e.txHash))].map(short).join(", ");
    return check(
      "claim-fields",
      "fail",
      `no transaction that records it carries the claim's fields (events in ${txs})`,
    );
  }
  const id = claimIdOf(history.claim, chainId, hub);
  const source = src.call ? `${src.call.name} calldata` : `the calldata of ${src.to} (a contract that forwarded it)`;
  const hashesTo = id === claimId ? "the claim id" : id;
  return check(
    "claim-fields",
    passIf(id === claimId),
    `read from ${source} in tx ${src.txHash}; they hash (EIP-712, chain ${chainId}, hub ${hub}) to ${hashesTo}`,
  );
}

// "batch-membership": a claim imported from a settlement batch sits under the batch's root (its
// Merkle proof, read back from the importBatchedClaim calldata, folds to the root) and the batch
// was posted by the operator the claim records.
import { getAddress } from "ethers";
import { batchLeaf, batchRootOf } from "../../chain/batch-tree.js";
import { type AuditCheck, check, passIf } from "../audit-report.js";
import type { ClaimEvent } from "../claim-history.js";
import { short, when } from "../detail-format.js";
import type { BatchRecord } from "../hub-reads.js";

/** `signed` is the ClaimSigned event, `imported` the BatchClaimImported event of the same transaction. */
export function checkBatchMembership(
  claimId: string,
  signed: ClaimEvent,
  imported: ClaimEvent,
  batch: BatchRecord,
): AuditCheck {
  const call = imported.call?.name === "importBatchedClaim" ? imported.call : undefined;
  if (!call) {
    return check(
      "batch-membership",
      "fail",
      `the import in tx ${signed.txHash} was not a direct hub call: its Merkle proof cannot be read back`,
    );
  }
  const operator = getAddress(signed.args.operator as string);
  // importBatchedClaim(operator, root, claim, proof)
  const folded = batchRootOf(batchLeaf(claimId), [...(call.args[3] as string[])]);
  const fold = folded === batch.root ? "" : ` (it folds to ${short(folded)}, NOT the root)`;
  const poster = batch.operator === operator ? "" : `, not the recorded operator ${operator}`;
  return check(
    "batch-membership",
    passIf(folded === batch.root && batch.operator === operator),
    `Merkle proof from tx ${signed.txHash} places the claim under root ${short(batch.root)}${fold}, ` +
      `posted by ${batch.operator}${poster} at ${when(batch.postedAt)}`,
  );
}

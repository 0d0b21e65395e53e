// The claim audit: re-checks a claim from chain data alone and returns a checklist. Each check
// is a small function of ./checks; auditClaim reads the chain and runs them in order.
export { auditClaim } from "./audit-claim.js";
export type { AuditContext, AuditOptions } from "./audit-claim.js";
export type { AuditCheck, AuditReport, CheckStatus } from "./audit-report.js";
export { CLAIM_EVENTS, readClaimHistory, scanCalldataForClaim, UnknownClaimError } from "./claim-history.js";
export type { ClaimEvent, ClaimEventName, ClaimHistory } from "./claim-history.js";
export { EXPIRY_CLOCK_TOLERANCE_S } from "./checks/attestation.js";
export type { AttestationDocument, AttestationSource } from "./checks/attestation.js";

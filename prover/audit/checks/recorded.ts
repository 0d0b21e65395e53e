// "recorded": the hub holds the claim, at which level, and how it got there (or that a proof or
// an unanswered challenge refuted it).
import { LEVEL, LEVEL_NAMES } from "../../chain/protocol-client.js";
import { type AuditCheck, check } from "../audit-report.js";
import type { ClaimEvent } from "../claim-history.js";
import { when } from "../detail-format.js";
import type { HubReceipt } from "../hub-reads.js";
import { firstSubmission } from "../submission.js";

const REFUTED_BY: Partial<Record<ClaimEvent["name"], string>> = {
  ClaimRefuted: "a proof of a different output",
  ChallengeTimedOut: "an unanswered challenge",
};

function refutedDetail(events: readonly ClaimEvent[]): string {
  const refutation =
    events.find((e) => e.name === "ClaimRefuted") ?? events.find((e) => e.name === "ChallengeTimedOut");
  if (!refutation) return "refuted: the claim stands at no level";
  const how = REFUTED_BY[refutation.name];
  return `refuted by ${how} in tx ${refutation.txHash} (${when(refutation.timestamp)}): the claim stands at no level`;
}

function standingDetail(receipt: HubReceipt, events: readonly ClaimEvent[]): string {
  const first = firstSubmission(events, receipt.level);
  const parts: string[] = [LEVEL_NAMES[receipt.level]];
  if (first.event) {
    const e = first.event;
    parts.push(`recorded ${LEVEL_NAMES[first.level]} in tx ${e.txHash} (block ${e.blockNumber}, ${when(e.timestamp)})`);
  }
  const raised = events.find((e) => e.name === "ClaimProven" && Number(e.args.previousLevel) !== LEVEL.None);
  if (raised) parts.push(`raised to Proven in tx ${raised.txHash}`);
  if (receipt.batched) parts.push("imported from a batch");
  return parts.join(", ");
}

/** Fails when the claim was refuted, or when events mention it but the hub holds no record. */
export function checkRecorded(receipt: HubReceipt, events: readonly ClaimEvent[]): AuditCheck {
  if (receipt.refuted) return check("recorded", "fail", refutedDetail(events));
  if (receipt.level === LEVEL.None)
    return check("recorded", "fail", "the hub holds no record of it although events mention it");
  return check("recorded", "pass", standingDetail(receipt, events));
}

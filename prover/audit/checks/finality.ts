// "finality": a Proven claim is final at once, a Signed or Attested one once its challenge window
// closes unchallenged or a proof defeats the challenge. Not yet final is information, not failure.
import { LEVEL } from "../../chain/protocol-client.js";
import { type AuditCheck, check } from "../audit-report.js";
import { type ClaimEvent, eventsNamed } from "../claim-history.js";
import { when } from "../detail-format.js";
import type { Finality, HubReceipt } from "../hub-reads.js";

function disputeHistory(events: readonly ClaimEvent[]): string {
  const challenges = eventsNamed(events, "ClaimChallenged").length;
  const defended = eventsNamed(events, "ChallengeDefeated").length;
  const parts = [challenges ? `${challenges} challenge(s)` : "never challenged"];
  if (defended) parts.push(`${defended} defended by proof`);
  return parts.join(", ");
}

export function checkFinality(receipt: HubReceipt, events: readonly ClaimEvent[], finality: Finality): AuditCheck {
  const history = disputeHistory(events);
  if (finality.final) {
    const why = receipt.level === LEVEL.Proven ? "Proven" : `challenge window closed ${when(receipt.challengeEnd)}`;
    return check("finality", "pass", `final (${why}; ${history})`);
  }
  if (finality.dispute) {
    const d = finality.dispute;
    return check(
      "finality",
      "info",
      `not final: challenged by ${d.challenger}, the backer must answer with a proof by ${when(d.responseDeadline)}`,
    );
  }
  return check("finality", "info", `not final: open to challenges until ${when(receipt.challengeEnd)} (${history})`);
}

// "finality": a Proven claim is final at once, a Signed or Attested one once its challenge window
// closes unchallenged (or a proof defeats the challenge) while its backer's active stake is at the
// protocol minimum (ReceiptHub.isFinal). Not yet final is information, not failure; the detail
// names what holds the claim up: an open dispute, the open window, the backer's stake, or both.
import { formatEther } from "ethers";
import { LEVEL } from "../../chain/protocol-client.js";
import { type AuditCheck, check } from "../audit-report.js";
import { type ClaimEvent, eventsNamed } from "../claim-history.js";
import { when } from "../detail-format.js";
import { type Backing, type Finality, type HubReceipt, ZERO_ADDRESS } from "../hub-reads.js";

function disputeHistory(events: readonly ClaimEvent[]): string {
  const challenges = eventsNamed(events, "ClaimChallenged").length;
  const defended = eventsNamed(events, "ChallengeDefeated").length;
  const parts = [challenges ? `${challenges} challenge(s)` : "never challenged"];
  if (defended) parts.push(`${defended} defended by proof`);
  return parts.join(", ");
}

/** "its backer 0x.. has 0.5 ETH active stake, below the protocol minimum of 1.0 ETH", or undefined when staked. */
function backingShort(b: Backing | undefined): string | undefined {
  if (!b || b.activeStake >= b.minStake) return undefined;
  const min = `the protocol minimum of ${formatEther(b.minStake)} ETH`;
  if (b.backer === ZERO_ADDRESS) return `no account with ${min} of active stake backs it`;
  return `its backer ${b.backer} has ${formatEther(b.activeStake)} ETH active stake, below ${min}`;
}

/** Why a claim with no open dispute is not final: its window (the hub needs a block past its end), its backing. */
function notFinalReason(receipt: HubReceipt, finality: Finality, history: string): string {
  const windowOpen = finality.now === undefined || finality.now <= receipt.challengeEnd;
  const open = `open to challenges until ${when(receipt.challengeEnd)}`;
  const stake = backingShort(finality.backing);
  if (windowOpen) return `not final: ${open}${stake ? `, and ${stake}` : ""} (${history})`;
  const closed = `challenge window closed ${when(receipt.challengeEnd)}; ${history}`;
  if (stake)
    return (
      `not final: ${stake} (the hub holds a Signed or Attested claim final only while its backer is staked; ` +
      `${closed})`
    );
  return `not final: the hub does not report it final yet (${closed})`;
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
  return check("finality", "info", notFinalReason(receipt, finality, history));
}

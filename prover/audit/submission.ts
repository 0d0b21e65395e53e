// The transaction that first recorded a claim, and the level it recorded it at. A ClaimProven
// event records a claim only when nothing stood before it; otherwise it raised an existing one.
import { LEVEL } from "../chain/protocol-client.js";
import type { ClaimEvent, ClaimEventName } from "./claim-history.js";

const LEVEL_RECORDED_BY: Partial<Record<ClaimEventName, number>> = {
  ClaimSigned: LEVEL.Signed,
  ClaimAttested: LEVEL.Attested,
  ClaimProven: LEVEL.Proven,
};

export interface Submission {
  /** The first event that recorded the claim (absent when the log scan found none). */
  event?: ClaimEvent;
  /** The level it was recorded at (the hub's current level when no event was found). */
  level: number;
}

/** True when `e` records the claim rather than raises, disputes or settles it. */
export function isSubmission(e: ClaimEvent): boolean {
  if (e.name === "ClaimProven") return Number(e.args.previousLevel) === LEVEL.None;
  return LEVEL_RECORDED_BY[e.name] !== undefined;
}

export function firstSubmission(events: readonly ClaimEvent[], currentLevel: number): Submission {
  const event = events.find(isSubmission);
  return { event, level: event ? LEVEL_RECORDED_BY[event.name]! : currentLevel };
}

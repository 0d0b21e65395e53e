// What an audit returns: a checklist of named checks, each passed, failed, skipped or merely
// informative, and the claim it is about. The report is ok when no check failed.
export type CheckStatus = "pass" | "fail" | "skip" | "info";

export interface AuditCheck {
  /** Stable name of the check, e.g. "input-commitment". */
  id: string;
  status: CheckStatus;
  detail: string;
}

export interface AuditReport {
  claimId: string;
  chainId: string;
  hub: string;
  level: string;
  claim?: { modelId: string; inputCommitment: string; output: string; requestId: string; deadline: string };
  checks: AuditCheck[];
  ok: boolean;
}

/** One check's result. */
export function check(id: string, status: CheckStatus, detail: string): AuditCheck {
  return { id, status, detail };
}

/** "pass" when `ok`, else "fail". */
export function passIf(ok: boolean): CheckStatus {
  return ok ? "pass" : "fail";
}

/** The first line of an error's message (a revert or a parse failure can run to many). */
export function firstLine(e: unknown): string {
  return (e as Error).message.split("\n")[0];
}

// What the challenge watcher (challenge-watcher.ts) keeps on disk, in one JSON file next to the
// claims: the last block it has fully scanned for ClaimChallenged events (its cursor) and every
// challenge of this node's claims it has seen, with the state of its defence. The file is
// replaced durably (durable-file.ts: temp file, fsync, rename, fsync of the directory), so after
// a crash it holds either the old or the new state, never half of one; a file that cannot be read
// is quarantined (kept for inspection, one logged line) and the watcher starts over from its
// look-back, which finds every dispute still open.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, jsonProblem, type Log, quarantine, writeFileDurably } from "../durable-file.js";

export const WATCHER_STATE_FORMAT = "assay.challenge-watcher";

export type DefenceState =
  /** Seen and recorded; its proof job is not queued yet. */
  | "pending"
  /** Its proof job is queued or running (`jobId`). */
  | "queued"
  /** The claim is Proven: the challenge was defeated. */
  | "landed"
  /** The claim was refuted or timed out: the backer was slashed. */
  | "lost"
  /** The response deadline passed before a defence could be sent. */
  | "late";

export interface DefenceRecord {
  claimId: string;
  challenger: string;
  /** Challenge bond in wei (decimal string). */
  bond: string;
  /** Unix time (chain clock) by which the proof must be on chain. */
  responseDeadline: number;
  /** Block and transaction of the ClaimChallenged event. */
  block: number;
  txHash: string;
  state: DefenceState;
  jobId?: string;
  /** Proof jobs queued for this defence so far (a failed job is retried while time remains). */
  attempts: number;
  /** The defence transaction, once landed. */
  transaction?: string;
  /** Why it was lost or late, or what the last failed job said. */
  note?: string;
  seenAt: string;
  settledAt?: string;
}

export interface WatcherStateData {
  format: typeof WATCHER_STATE_FORMAT;
  version: 1;
  chainId: string;
  protocol: string;
  /** Last block fully scanned; null before the first scan. */
  cursor: number | null;
  defences: Record<string, DefenceRecord>;
}

export function emptyWatcherState(chainId: string, protocol: string): WatcherStateData {
  return { format: WATCHER_STATE_FORMAT, version: 1, chainId, protocol, cursor: null, defences: {} };
}

function isState(j: unknown): j is WatcherStateData {
  const s = j as WatcherStateData;
  return (
    !!s &&
    s.format === WATCHER_STATE_FORMAT &&
    s.version === 1 &&
    typeof s.chainId === "string" &&
    typeof s.protocol === "string" &&
    (s.cursor === null || Number.isSafeInteger(s.cursor)) &&
    !!s.defences &&
    typeof s.defences === "object"
  );
}

export class WatcherStateFile {
  private dirReady = false;

  constructor(readonly file: string) {}

  /**
   * The saved state for this chain and protocol, or a fresh one with a note saying why: no file
   * yet (no note), a file of another deployment, or an unreadable one (quarantined).
   */
  async load(chainId: string, protocol: string, log?: Log): Promise<{ state: WatcherStateData; note?: string }> {
    const fresh = emptyWatcherState(chainId, protocol);
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { state: fresh };
      throw e;
    }
    let json: unknown;
    let problem = "not a challenge-watcher state file";
    try {
      json = JSON.parse(text);
    } catch (e) {
      problem = jsonProblem(e);
    }
    if (!isState(json)) {
      await quarantine(this.file, path.join(path.dirname(this.file), "quarantine"), problem, log);
      return { state: fresh, note: "starting from the look-back (the last response window)" };
    }
    if (json.chainId !== chainId || json.protocol.toLowerCase() !== protocol.toLowerCase()) {
      return {
        state: fresh,
        note: `${this.file} belongs to protocol ${json.protocol} on chain ${json.chainId}; starting afresh`,
      };
    }
    return { state: json };
  }

  async save(state: WatcherStateData): Promise<void> {
    if (!this.dirReady) {
      await ensurePrivateDir(path.dirname(this.file));
      this.dirReady = true;
    }
    await writeFileDurably(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }
}

// The node's record of every claim it made: what was claimed, at which level, how it reached
// the chain (transaction, batch, proof job) and enough to prove it later (input and salt; a
// Signed claim may be challenged, and only a proof defends it). One JSON file per claim, 0600
// (it holds the input and its salt), written durably (./durable-file.ts), so a restarted node
// still answers for its claims and resumes their work. At `init` a record that cannot be read
// back is moved to `<root>/quarantine/` with a logged line, and the node carries on without it.
import { readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { isHexString } from "ethers";
import type { Claim } from "../chain/claim.js";
import type { LevelName } from "../chain/protocol-client.js";
import {
  ensurePrivateDir,
  jsonProblem,
  loadRecords,
  type Log,
  logToStderr,
  quarantine,
  removeStaleTempFiles,
  syncDir,
  writeFileDurably,
} from "../durable-file.js";
import type { PolicySource } from "./routing.js";

export type ClaimStatus =
  /** Signed, waiting in the batcher for its Merkle root to be posted. */
  | "batching"
  /** Its batch root is on chain; `batch` holds the Merkle proof to check or import it. */
  | "batched"
  /** Recorded on chain by its own transaction. */
  | "recorded"
  /** Waiting for (or in) its proof job. */
  | "proving"
  /** Recorded at Proven. */
  | "proven"
  /** Submission or proving failed for good (`error`). */
  | "failed";

export interface TxInfo {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
}

export interface BatchInfo {
  root: string;
  index: number;
  size: number;
  /** Merkle proof of the claim's leaf (checkBatchedClaim / importBatchedClaim). */
  proof: string[];
  transaction: TxInfo;
}

export interface ClaimOutput {
  /** The claim's public output (packed word, commitment or label). */
  signal: bigint;
  label: number;
  labels: number[];
  logits: bigint[];
  /** Logits as reals. */
  values: number[];
  /** Input values clamped into the calibrated range. */
  clamped: number;
}

export interface ClaimRecord {
  claimId: string;
  level: LevelName;
  requiredLevel: LevelName | null;
  policy: PolicySource;
  valueAtRisk: bigint;
  status: ClaimStatus;
  modelId: string;
  circuitId: string;
  claim: Claim;
  salt: bigint;
  input: number[];
  output: ClaimOutput;
  /** Who signed (operator or enclave key); absent for Proven. */
  signer?: string;
  /** 65-byte signature over the claim id. */
  signature?: string;
  transaction?: TxInfo;
  batch?: BatchInfo;
  job?: { id: string };
  error?: string;
  createdAt: string;
  updatedAt: string;
}

function replacer(_k: string, v: unknown) {
  return typeof v === "bigint" ? { $bigint: v.toString() } : v;
}

function reviver(_k: string, v: unknown) {
  return v && typeof v === "object" && typeof (v as { $bigint?: unknown }).$bigint === "string"
    ? BigInt((v as { $bigint: string }).$bigint)
    : v;
}

const CLAIM_FILE = /^0x[0-9a-f]{64}\.json$/;

/** The claim record in `text`; throws a short reason if it is not one (`name`: its file name). */
function parseRecord(text: string, name: string): ClaimRecord {
  const r = JSON.parse(text, reviver) as ClaimRecord | null;
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error("not a claim record");
  if (typeof r.claimId !== "string" || `${r.claimId.toLowerCase()}.json` !== name)
    throw new Error(`claim id ${r.claimId} does not match the file name`);
  const fields = typeof r.status === "string" && typeof r.level === "string" && typeof r.createdAt === "string";
  if (!fields || typeof r.claim !== "object" || r.claim === null)
    throw new Error("not a claim record (status, level, createdAt or claim missing)");
  return r;
}

export class ClaimStore {
  private readonly root: string;
  private readonly dir: string;
  private readonly pendingDir: string;
  private readonly quarantineDir: string;
  /** Per claim, the tail of its queued read-modify-write updates (so none is lost). */
  private readonly locks = new Map<string, Promise<unknown>>();

  /** `log`: problems with the files on disk, one line each (default stderr). */
  constructor(
    root: string,
    private readonly log: Log = logToStderr,
  ) {
    this.root = root;
    this.dir = path.join(root, "claims");
    this.pendingDir = path.join(root, "batch-pending");
    this.quarantineDir = path.join(root, "quarantine");
  }

  private file(id: string): string {
    return path.join(this.dir, `${id.toLowerCase()}.json`);
  }

  /**
   * Creates the directories 0700 (tightening looser ones), removes temp files of interrupted
   * writes and checks every record: unreadable ones are quarantined (one logged line each).
   */
  async init(): Promise<void> {
    for (const d of [this.root, this.dir, this.pendingDir]) await ensurePrivateDir(d, this.log);
    await removeStaleTempFiles(this.pendingDir);
    await loadRecords({
      dir: this.dir,
      isRecord: (name) => CLAIM_FILE.test(name),
      parse: parseRecord,
      quarantineDir: this.quarantineDir,
      log: this.log,
    });
  }

  async put(record: ClaimRecord): Promise<void> {
    record.updatedAt = new Date().toISOString();
    await writeFileDurably(this.file(record.claimId), JSON.stringify(record, replacer));
  }

  /** The record, or undefined if there is none (a record found unreadable is quarantined). */
  async get(id: string): Promise<ClaimRecord | undefined> {
    if (!isHexString(id, 32)) return undefined;
    const file = this.file(id);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    try {
      return parseRecord(text, path.basename(file));
    } catch (e) {
      await quarantine(file, this.quarantineDir, jsonProblem(e), this.log).catch(() => {});
      return undefined;
    }
  }

  /** Applies `change` to the stored record; updates of one claim run one after another. */
  update(id: string, change: (r: ClaimRecord) => void): Promise<ClaimRecord> {
    const key = id.toLowerCase();
    const run = (this.locks.get(key) ?? Promise.resolve())
      .catch(() => {})
      .then(async () => {
        const r = await this.get(id);
        if (!r) throw new Error(`claim record ${id} is missing`);
        change(r);
        await this.put(r);
        return r;
      });
    this.locks.set(key, run);
    void run
      .finally(() => {
        if (this.locks.get(key) === run) this.locks.delete(key);
      })
      .catch(() => {});
    return run;
  }

  /** Marks a Signed claim as waiting for a batch (survives a restart until the batch is posted). */
  async markPending(id: string): Promise<void> {
    await writeFileDurably(path.join(this.pendingDir, id.toLowerCase()), "");
  }

  async clearPending(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => unlink(path.join(this.pendingDir, id.toLowerCase())).catch(() => {})));
    if (ids.length > 0) await syncDir(this.pendingDir);
  }

  /** Claims waiting for a batch, oldest first. */
  async pending(): Promise<ClaimRecord[]> {
    const ids = (await readdir(this.pendingDir)).filter((f) => isHexString(f, 32));
    const records = (await Promise.all(ids.map((id) => this.get(id)))).filter(
      (r): r is ClaimRecord => r !== undefined && r.status === "batching",
    );
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}

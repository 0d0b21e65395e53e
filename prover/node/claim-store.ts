// The node's record of every claim it made: what was claimed, at which level, how it reached
// the chain (transaction, batch, proof job) and enough to prove it later (input and salt; a
// Signed claim may be challenged, and only a proof defends it). One JSON file per claim,
// written atomically, so a restarted node still answers for its claims and resumes their work.
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { isHexString } from "ethers";
import type { Claim } from "../chain/claim.js";
import type { LevelName } from "../chain/protocol-client.js";
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

export class ClaimStore {
  private readonly dir: string;
  private readonly pendingDir: string;
  /** Per claim, the tail of its queued read-modify-write updates (so none is lost). */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(root: string) {
    this.dir = path.join(root, "claims");
    this.pendingDir = path.join(root, "batch-pending");
  }

  private file(id: string): string {
    return path.join(this.dir, `${id.toLowerCase()}.json`);
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await mkdir(this.pendingDir, { recursive: true });
  }

  async put(record: ClaimRecord): Promise<void> {
    record.updatedAt = new Date().toISOString();
    const file = this.file(record.claimId);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record, replacer));
    await rename(tmp, file);
  }

  async get(id: string): Promise<ClaimRecord | undefined> {
    if (!isHexString(id, 32)) return undefined;
    try {
      return JSON.parse(await readFile(this.file(id), "utf8"), reviver) as ClaimRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
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
    await writeFile(path.join(this.pendingDir, id.toLowerCase()), "");
  }

  async clearPending(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => unlink(path.join(this.pendingDir, id.toLowerCase())).catch(() => {})));
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

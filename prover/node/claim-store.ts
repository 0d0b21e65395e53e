// The node's record of every claim it made: what was claimed, at which level, how it reached
// the chain (transaction, batch, proof job) and enough to prove it later (input and salt; a
// Signed claim may be challenged, and only a proof defends it). Records are rows of the node's
// database (./db/: SQLite in the state directory by default, or PostgreSQL shared by several
// processes), written in a transaction before the node answers, so a restarted node still answers
// for its claims and resumes their work. The input and salt are kept and never logged. A record
// found unreadable is moved to the quarantine table with a logged line, and the node carries on.
import { isHexString } from "ethers";
import type { Claim } from "../chain/claim.js";
import type { LevelName } from "../chain/protocol-client.js";
import { type Log, logToStderr } from "../durable-file.js";
import type { Database, Sql } from "./db/database.js";
import { fromJson, toJson } from "./db/json.js";
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
  /** Claims that shared the transaction (a submitProvenBatch); absent for one claim. */
  batchSize?: number;
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
  /** The classes the labels stand for, when the classifier names them. */
  classes?: (string | number)[];
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
  /** Who asked: `key:<API key name>` or `ip:<address>` through the HTTP API; absent otherwise. */
  client?: string;
  createdAt: string;
  updatedAt: string;
}

/** Which claims to list (all conditions must hold), newest first. */
export interface ClaimQuery {
  status?: ClaimStatus;
  level?: LevelName;
  modelId?: string;
  /** Asked for by this client (ClaimRecord.client). */
  client?: string;
  /** Created at or after (ms since the epoch). */
  since?: number;
  /** Created before (ms since the epoch). */
  until?: number;
  /** At most this many (default 100, at most 10,000). */
  limit?: number;
}

export const CLAIM_STATUSES: readonly ClaimStatus[] = [
  "batching",
  "batched",
  "recorded",
  "proving",
  "proven",
  "failed",
];

interface ClaimRow {
  claim_id: string;
  record: string;
  [k: string]: unknown;
}

/** The claim record in `text`; throws a short reason if it is not one. */
function parseRecord(text: string, id: string): ClaimRecord {
  const r = fromJson<ClaimRecord | null>(text);
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error("not a claim record");
  if (typeof r.claimId !== "string" || r.claimId.toLowerCase() !== id)
    throw new Error(`claim id ${r.claimId} does not match the row's ${id}`);
  const fields = typeof r.status === "string" && typeof r.level === "string" && typeof r.createdAt === "string";
  if (!fields || typeof r.claim !== "object" || r.claim === null)
    throw new Error("not a claim record (status, level, createdAt or claim missing)");
  return r;
}

/**
 * Writes `record` and its query columns: replacing the stored one (`replace`) or only if there is
 * none (`keep`: the import of older state directories never overwrites what is newer).
 */
export async function insertClaim(sql: Sql, record: ClaimRecord, onConflict: "replace" | "keep"): Promise<void> {
  const now = Date.now();
  const created = Date.parse(record.createdAt);
  const updated = Date.parse(record.updatedAt);
  await sql.run(
    "INSERT INTO claims " +
      "(claim_id, status, level, model_id, circuit_id, signer, job_id, created_ms, updated_ms, record, client) " +
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (claim_id) DO " +
      (onConflict === "keep"
        ? "NOTHING"
        : "UPDATE SET status = excluded.status, level = excluded.level, signer = excluded.signer, " +
          "job_id = excluded.job_id, updated_ms = excluded.updated_ms, record = excluded.record"),
    [
      record.claimId.toLowerCase(),
      record.status,
      record.level,
      record.modelId.toLowerCase(),
      record.circuitId,
      record.signer?.toLowerCase() ?? null,
      record.job?.id ?? null,
      Number.isFinite(created) ? created : now,
      Number.isFinite(updated) ? updated : now,
      toJson(record),
      record.client ?? null,
    ],
  );
}

export class ClaimStore {
  /** `log`: records found unreadable, one line each (default stderr). */
  constructor(
    private readonly db: Database,
    private readonly log: Log = logToStderr,
  ) {}

  /** Inserts or replaces the record (and its query columns). */
  async put(record: ClaimRecord): Promise<void> {
    await this.grouped((tx) => this.write(tx, record));
  }

  /**
   * Runs `op` in the next group transaction: writes that arrive together (requests served at the
   * same time, the claims of a posted batch) commit together, so a busy node pays one commit (one
   * fsync, on SQLite with synchronous=FULL) for many of them rather than one each. Each write
   * still resolves only once committed. An op that fails by itself (a missing record) fails
   * alone; a database error fails the group.
   */
  private grouped<T>(op: (tx: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.writes.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (this.writes.length === 1) setImmediate(() => void this.flush());
    });
  }

  private readonly writes: {
    op: (tx: Sql) => Promise<unknown>;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }[] = [];

  private async flush(): Promise<void> {
    const group = this.writes.splice(0);
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.db.transaction(async (tx) => {
        outcomes.length = 0;
        for (const w of group) {
          try {
            outcomes.push({ ok: true, value: await w.op(tx) });
          } catch (e) {
            if (typeof (e as { code?: unknown }).code === "string") throw e; // the database's own error
            outcomes.push({ ok: false, value: e });
          }
        }
      });
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    group.forEach((w, i) => (outcomes[i].ok ? w.resolve(outcomes[i].value) : w.reject(outcomes[i].value)));
  }

  private async write(sql: Sql, record: ClaimRecord): Promise<void> {
    record.updatedAt = new Date().toISOString();
    await insertClaim(sql, record, "replace");
  }

  /** Parses a row; an unreadable one is quarantined (logged) and undefined returned. */
  private async revive(row: ClaimRow): Promise<ClaimRecord | undefined> {
    try {
      return parseRecord(row.record, row.claim_id);
    } catch (e) {
      await this.quarantine(row, (e as Error).message).catch(() => {});
      return undefined;
    }
  }

  private async quarantine(row: ClaimRow, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("INSERT INTO quarantine (kind, key, at_ms, reason, content) VALUES ('claim', $1, $2, $3, $4)", [
        row.claim_id,
        Date.now(),
        reason,
        row.record,
      ]);
      await tx.run("DELETE FROM claims WHERE claim_id = $1", [row.claim_id]);
    });
    this.log(`claim record ${row.claim_id} is unreadable (${reason}): moved to the quarantine table`);
  }

  /** The record, or undefined if there is none (a record found unreadable is quarantined). */
  async get(id: string): Promise<ClaimRecord | undefined> {
    if (!isHexString(id, 32)) return undefined;
    const [row] = await this.db.query<ClaimRow>("SELECT claim_id, record FROM claims WHERE claim_id = $1", [
      id.toLowerCase(),
    ]);
    return row ? this.revive(row) : undefined;
  }

  /**
   * Applies `change` to the stored record inside a transaction (updates of a claim never
   * interleave: each reads and writes the record within one group transaction, in order).
   */
  async update(id: string, change: (r: ClaimRecord) => void): Promise<ClaimRecord> {
    const key = id.toLowerCase();
    const lock = this.db.kind === "postgres" ? " FOR UPDATE" : "";
    const out = await this.grouped<{ record: ClaimRecord } | { bad: ClaimRow; reason: string }>(async (tx) => {
      const [row] = await tx.query<ClaimRow>(`SELECT claim_id, record FROM claims WHERE claim_id = $1${lock}`, [key]);
      if (!row) throw new Error(`claim record ${id} is missing`);
      let r: ClaimRecord;
      try {
        r = parseRecord(row.record, row.claim_id);
      } catch (e) {
        return { bad: row, reason: (e as Error).message };
      }
      change(r);
      await this.write(tx, r);
      return { record: r };
    });
    if ("record" in out) return out.record;
    await this.quarantine(out.bad, out.reason).catch(() => {});
    throw new Error(`claim record ${id} is unreadable (${out.reason})`);
  }

  /** Signed claims still waiting for a batch (of `signer`, if given), oldest first. */
  async pending(signer?: string): Promise<ClaimRecord[]> {
    const rows = await this.db.query<ClaimRow>(
      "SELECT claim_id, record FROM claims WHERE status = 'batching'" +
        (signer ? " AND signer = $1" : "") +
        " ORDER BY created_ms, claim_id",
      signer ? [signer.toLowerCase()] : [],
    );
    const out: ClaimRecord[] = [];
    for (const row of rows) {
      const r = await this.revive(row);
      if (r) out.push(r);
    }
    return out;
  }

  /** Claims matching `q`, newest first. */
  async list(q: ClaimQuery = {}): Promise<ClaimRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, v: unknown) => {
      params.push(v);
      where.push(cond.replace("?", `$${params.length}`));
    };
    if (q.status !== undefined) add("status = ?", q.status);
    if (q.level !== undefined) add("level = ?", q.level);
    if (q.modelId !== undefined) add("model_id = ?", q.modelId.toLowerCase());
    if (q.client !== undefined) add("client = ?", q.client);
    if (q.since !== undefined) add("created_ms >= ?", q.since);
    if (q.until !== undefined) add("created_ms < ?", q.until);
    const limit = Math.min(10_000, Math.max(1, Math.floor(q.limit ?? 100)));
    const rows = await this.db.query<ClaimRow>(
      `SELECT claim_id, record FROM claims${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ` +
        `ORDER BY created_ms DESC, claim_id DESC LIMIT ${limit}`,
      params,
    );
    const out: ClaimRecord[] = [];
    for (const row of rows) {
      const r = await this.revive(row);
      if (r) out.push(r);
    }
    return out;
  }

  /** Claims per status. */
  async counts(): Promise<Record<ClaimStatus, number>> {
    const rows = await this.db.query<{ status: string; n: number | string }>(
      "SELECT status, COUNT(*) AS n FROM claims GROUP BY status",
    );
    const out = Object.fromEntries(CLAIM_STATUSES.map((s) => [s, 0])) as Record<ClaimStatus, number>;
    for (const r of rows) if (r.status in out) out[r.status as ClaimStatus] = Number(r.n);
    return out;
  }
}

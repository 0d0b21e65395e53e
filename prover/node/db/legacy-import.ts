// State directories written before the database (one JSON file per claim under claims/, per proof
// job under jobs/) are imported into it the first time a node or `assay watch` opens them, so an
// upgraded node still answers for, and defends, the claims it made before. The import is one
// transaction: every readable record goes in (an unreadable one is quarantined with a logged line,
// as before), then claims/ and jobs/ are renamed to claims.imported/ and jobs.imported/ (kept as a
// backup, never read again). A crash before the rename repeats the import, which overwrites
// nothing newer: rows already in the database are left as they are.
import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { type Log, loadRecords, logToStderr, syncDir } from "../../durable-file.js";
import { type ClaimRecord, insertClaim } from "../claim-store.js";
import type { Job } from "../job-queue.js";
import type { Database } from "./database.js";
import { fromJson, toJson } from "./json.js";

const CLAIM_FILE = /^0x[0-9a-f]{64}\.json$/;
const JOB_FILE = /^[0-9a-f-]{36}\.json$/;

function claimOf(text: string, name: string): ClaimRecord {
  const r = fromJson<ClaimRecord | null>(text);
  if (
    typeof r !== "object" ||
    r === null ||
    typeof r.claimId !== "string" ||
    `${r.claimId.toLowerCase()}.json` !== name
  )
    throw new Error("not a claim record, or its id does not match the file name");
  if (typeof r.status !== "string" || typeof r.level !== "string" || typeof r.createdAt !== "string" || !r.claim)
    throw new Error("not a claim record (status, level, createdAt or claim missing)");
  return r;
}

function jobOf(text: string, name: string): Job<unknown, unknown> {
  const j = fromJson<Job<unknown, unknown> | null>(text);
  if (typeof j !== "object" || j === null || `${j.id}.json` !== name) throw new Error("not a job record");
  if (!["queued", "running", "done", "failed"].includes(j.state) || !Number.isInteger(j.attempts))
    throw new Error("not a job record (state or attempts)");
  return j;
}

/** Imports `stateDir`'s claim and job files, if it has any; returns how many of each. */
export async function importLegacyState(
  db: Database,
  stateDir: string,
  log: Log = logToStderr,
): Promise<{ claims: number; jobs: number }> {
  const claimsDir = path.join(stateDir, "claims");
  const jobsDir = path.join(stateDir, "jobs");
  if (!existsSync(claimsDir) && !existsSync(jobsDir)) return { claims: 0, jobs: 0 };
  const quarantineDir = path.join(stateDir, "quarantine");
  const claims = existsSync(claimsDir)
    ? await loadRecords({ dir: claimsDir, isRecord: (n) => CLAIM_FILE.test(n), parse: claimOf, quarantineDir, log })
    : new Map<string, ClaimRecord>();
  const jobs = existsSync(jobsDir)
    ? await loadRecords({
        dir: jobsDir,
        isRecord: (n) => JOB_FILE.test(n),
        parse: jobOf,
        quarantineDir: path.join(jobsDir, "quarantine"),
        log,
      })
    : new Map<string, Job<unknown, unknown>>();
  await db.transaction(async (tx) => {
    for (const r of claims.values()) await insertClaim(tx, r, "keep");
    for (const j of jobs.values()) {
      // A job some process was running when it stopped is queued again.
      const state = j.state === "running" ? "queued" : j.state;
      await tx.run(
        "INSERT INTO jobs (id, queue, state, payload, result, error, attempts, run_after_ms, created_ms, updated_ms) " +
          "VALUES ($1, 'proofs', $2, $3, $4, $5, $6, 0, $7, $8) ON CONFLICT (id) DO NOTHING",
        [
          j.id,
          state,
          toJson(j.payload),
          j.result === undefined ? null : toJson(j.result),
          j.error ?? null,
          j.attempts,
          Date.parse(j.createdAt) || Date.now(),
          Date.parse(j.updatedAt) || Date.now(),
        ],
      );
    }
  });
  for (const dir of [claimsDir, jobsDir]) {
    if (!existsSync(dir)) continue;
    const target = `${dir}.imported`;
    if (existsSync(target)) await rm(target, { recursive: true, force: true });
    await rename(dir, target);
  }
  // Batch-pending markers are the claims' status now.
  const pendingDir = path.join(stateDir, "batch-pending");
  if (existsSync(pendingDir)) await rm(pendingDir, { recursive: true });
  await syncDir(stateDir);
  log(
    `imported ${claims.size} claim record(s) and ${jobs.size} proof job(s) from ${stateDir} into ${db.label} ` +
      "(the files are kept in claims.imported/ and jobs.imported/)",
  );
  return { claims: claims.size, jobs: jobs.size };
}

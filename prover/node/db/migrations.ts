// The database schema, as numbered migrations applied in order, each in its own transaction and
// recorded in `assay_schema`. A database whose schema is newer than this code is refused (an older
// assay must not write into a layout it does not know). On PostgreSQL, processes starting at the
// same time serialize on an advisory lock, so each migration runs once.
//
// Times are milliseconds since the epoch (BIGINT in both engines). Records are JSON text with
// bigints as {"$bigint": "..."} (./json.ts); the columns beside them exist to be queried.
import { type Database, DatabaseError, type Sql } from "./database.js";

export interface Migration {
  version: number;
  name: string;
  /** Statements, run in order. */
  up: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "claims, jobs and quarantine",
    up: [
      `CREATE TABLE claims (
         claim_id   TEXT PRIMARY KEY,
         status     TEXT NOT NULL,
         level      TEXT NOT NULL,
         model_id   TEXT NOT NULL,
         circuit_id TEXT NOT NULL,
         signer     TEXT,
         job_id     TEXT,
         created_ms BIGINT NOT NULL,
         updated_ms BIGINT NOT NULL,
         record     TEXT NOT NULL
       )`,
      "CREATE INDEX claims_by_status ON claims (status, created_ms)",
      "CREATE INDEX claims_by_model ON claims (model_id, created_ms)",
      "CREATE INDEX claims_by_level ON claims (level, created_ms)",
      "CREATE INDEX claims_by_time ON claims (created_ms)",
      `CREATE TABLE jobs (
         id           TEXT PRIMARY KEY,
         queue        TEXT NOT NULL,
         state        TEXT NOT NULL,
         payload      TEXT NOT NULL,
         result       TEXT,
         error        TEXT,
         attempts     INTEGER NOT NULL,
         owner        TEXT,
         heartbeat_ms BIGINT,
         run_after_ms BIGINT NOT NULL,
         created_ms   BIGINT NOT NULL,
         updated_ms   BIGINT NOT NULL
       )`,
      "CREATE INDEX jobs_next ON jobs (queue, state, run_after_ms, created_ms)",
      `CREATE TABLE quarantine (
         kind    TEXT NOT NULL,
         key     TEXT NOT NULL,
         at_ms   BIGINT NOT NULL,
         reason  TEXT NOT NULL,
         content TEXT NOT NULL,
         PRIMARY KEY (kind, key, at_ms)
       )`,
    ],
  },
  {
    version: 2,
    name: "who asked for each claim",
    up: ["ALTER TABLE claims ADD COLUMN client TEXT", "CREATE INDEX claims_by_client ON claims (client, created_ms)"],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

async function currentVersion(sql: Sql): Promise<number> {
  const rows = await sql.query<{ v: number | string | null }>("SELECT MAX(version) AS v FROM assay_schema");
  return Number(rows[0]?.v ?? 0);
}

/** Applies the migrations `db` lacks; returns the schema version. */
export async function migrate(db: Database, log?: (line: string) => void): Promise<number> {
  await db.run(
    "CREATE TABLE IF NOT EXISTS assay_schema " +
      "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
  );
  return db.transaction(async (tx) => {
    if (tx.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock(hashtext('assay_schema'))");
    const from = await currentVersion(tx);
    if (from > SCHEMA_VERSION)
      throw new DatabaseError(
        `database ${db.label} has schema version ${from}, newer than this assay's ${SCHEMA_VERSION}: upgrade assay`,
      );
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      for (const statement of m.up) await tx.run(statement);
      await tx.run("INSERT INTO assay_schema (version, name, applied_ms) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        Date.now(),
      ]);
      log?.(`database ${db.label}: schema ${m.version} (${m.name}) applied`);
    }
    return SCHEMA_VERSION;
  });
}

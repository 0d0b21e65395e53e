// The external engines some tests need: Redis (BullMQ) and PostgreSQL. Their urls come from
// $ASSAY_TEST_REDIS_URL and $ASSAY_TEST_POSTGRES_URL, which .ci/run sets (scripts/test-services.sh
// starts the services when they are down). Without a url, a test that needs it is skipped, and the
// run ends with one line per skipped test saying which variable was missing.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "../../prover/node/db/database.js";

export type Service = "redis" | "postgres";

const ENV: Record<Service, string> = { redis: "ASSAY_TEST_REDIS_URL", postgres: "ASSAY_TEST_POSTGRES_URL" };
const skipped: string[] = [];

process.once("exit", () => {
  if (skipped.length === 0) return;
  process.stderr.write(
    `\nSkipped ${skipped.length} test(s) that need services ` +
      `(run them with: eval "$(bash scripts/test-services.sh)"):\n` +
      skipped.map((s) => `  - ${s}\n`).join(""),
  );
});

/** The service's url, or skips the current test (recording why) when it is not configured. */
export function requireService(ctx: Mocha.Context, service: Service): string {
  const url = process.env[ENV[service]];
  if (url) return url;
  skipped.push(`${ctx.currentTest?.fullTitle() ?? ctx.test?.fullTitle() ?? "?"}: $${ENV[service]} is not set`);
  ctx.skip();
}

/** A PostgreSQL database of its own (created on the server of `url`), dropped by `drop`. */
export async function scratchPostgres(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assay_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated scratch database of either engine: SQLite in `dir`, or PostgreSQL at `pgUrl`. */
export async function scratchDatabase(
  kind: "sqlite" | "postgres",
  dir: string,
  pgUrl?: string,
): Promise<{ db: Database; url: string; drop(): Promise<void> }> {
  if (kind === "sqlite") {
    const db = await openDatabase({ stateDir: dir });
    return { db, url: `${dir}/assay.db`, drop: () => db.close() };
  }
  const scratch = await scratchPostgres(pgUrl!);
  const db = await openDatabase({ url: scratch.url });
  return {
    db,
    url: scratch.url,
    drop: async () => {
      await db.close().catch(() => {});
      await scratch.drop();
    },
  };
}

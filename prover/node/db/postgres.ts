// The shared engine: PostgreSQL through `pg` (a pool of connections). Several node and worker
// processes may use one database; rows a transaction changes are locked with FOR UPDATE by the
// statements that read them, and schema changes take an advisory lock (./migrations.ts).
import pg from "pg";
import { type Database, DatabaseError, redactUrl, type Row, type Sql } from "./database.js";

class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;

  constructor(
    private readonly pool: pg.Pool,
    readonly label: string,
  ) {}

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params as unknown[])).rows as T[];
  }

  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.pool.query(text, params as unknown[])).rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Sql = {
      kind: "postgres",
      query: async <R extends Row>(text: string, params: readonly unknown[] = []) =>
        (await client.query(text, params as unknown[])).rows as R[],
      run: async (text: string, params: readonly unknown[] = []) =>
        (await client.query(text, params as unknown[])).rowCount ?? 0,
    };
    try {
      await client.query("BEGIN");
      const out = await fn(tx);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Connects (checking that the server answers) to the database at `url`. */
export async function openPostgres(url: string, maxConnections = 10): Promise<Database> {
  const label = `postgres ${redactUrl(url)}`;
  const pool = new pg.Pool({ connectionString: url, max: maxConnections });
  // An idle connection dropped by the server must not crash the process: the pool replaces it.
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    await pool.end().catch(() => {});
    throw new DatabaseError(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  return new PostgresDatabase(pool, label);
}

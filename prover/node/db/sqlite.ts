// The embedded engine: SQLite through Node's built-in `node:sqlite` (Node >= 22.13, which the
// project's npm scripts run; nothing to install, nothing to start). One connection per process,
// in WAL mode with synchronous=FULL, so a claim or job this process has acknowledged survives a
// kill -9 or a power loss. The connection is synchronous; statements are serialized through one
// lock so that a transaction, which awaits between its statements, never has another caller's
// statement slip into it. The file and its WAL are 0600 in a 0700 directory: they hold inputs and
// the salts that open their commitments.
import { closeSync, existsSync, openSync, chmodSync } from "node:fs";
import path from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../../durable-file.js";
import { type Database, DatabaseError, type Row, type Sql } from "./database.js";

/** `$1` -> `?1`: SQLite's numbered parameters, bound by position. */
function toSqlite(text: string): string {
  return text.replace(/\$(\d+)/g, "?$1");
}

function bindable(v: unknown): null | number | bigint | string | Uint8Array {
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string" || v instanceof Uint8Array) return v;
  throw new DatabaseError(`cannot store a ${typeof v} in SQLite`);
}

class SqliteDatabase implements Database {
  readonly kind = "sqlite" as const;
  private readonly statements = new Map<string, StatementSync>();
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: DatabaseSync,
    readonly label: string,
  ) {}

  private statement(text: string): StatementSync {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(toSqlite(text));
      this.statements.set(text, s);
    }
    return s;
  }

  /** Runs `fn` when every earlier caller is done (see the top of this file). */
  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new DatabaseError(`database ${this.label} is closed`));
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }

  private queryNow<T extends Row>(text: string, params: readonly unknown[]): T[] {
    return this.statement(text).all(...params.map(bindable)) as T[];
  }

  private runNow(text: string, params: readonly unknown[]): number {
    return Number(this.statement(text).run(...params.map(bindable)).changes);
  }

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.exclusive(() => this.queryNow<T>(text, params));
  }

  run(text: string, params: readonly unknown[] = []): Promise<number> {
    return this.exclusive(() => this.runNow(text, params));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const tx: Sql = {
        kind: "sqlite",
        query: async <R extends Row>(text: string, params: readonly unknown[] = []) => this.queryNow<R>(text, params),
        run: async (text: string, params: readonly unknown[] = []) => this.runNow(text, params),
      };
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(tx);
        this.db.exec("COMMIT");
        return out;
      } catch (e) {
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(() => {
      this.closed = true;
      this.db.close();
    });
  }
}

/** Node's SQLite module, without its one-time ExperimentalWarning line on stderr. */
async function loadSqlite(): Promise<typeof import("node:sqlite")> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } catch (e) {
    throw new DatabaseError(
      `the embedded database needs Node >= 22.13 (node:sqlite); this is Node ${process.versions.node}. ` +
        `Run assay through npm (npx assay ...), which uses the project's Node 22, or pass --db postgres://... ` +
        `(${(e as Error).message})`,
    );
  } finally {
    process.emitWarning = emit;
  }
}

/** Opens `file` (created 0600 if missing, its directory 0700). */
export async function openSqlite(file: string): Promise<Database> {
  const { DatabaseSync } = await loadSqlite();
  if (file !== ":memory:") {
    await ensurePrivateDir(path.dirname(path.resolve(file)));
    if (!existsSync(file)) closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
    else if (process.platform !== "win32") chmodSync(file, PRIVATE_FILE_MODE);
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
  } catch (e) {
    throw new DatabaseError(`cannot open the SQLite database ${file}: ${(e as Error).message}`);
  }
  return new SqliteDatabase(db, `sqlite ${file}`);
}

// The node's database: claims, proof jobs and quarantined records. Two engines behind one small
// interface: SQLite in the state directory (the embedded default: Node's built-in `node:sqlite`,
// nothing to install or run) and PostgreSQL (`--db postgres://...`, through `pg`), which several
// node and worker processes can share. SQL is written once with `$1, $2, ...` placeholders; the
// schema is versioned (./migrations.ts) and brought up to date when the database is opened.
import path from "node:path";
import { AssayError } from "../../errors.js";
import { migrate } from "./migrations.js";

export type DbKind = "sqlite" | "postgres";

export type Row = Record<string, unknown>;

/** Statements on one connection (the database, or a transaction's connection). */
export interface Sql {
  readonly kind: DbKind;
  /** Rows of a query (`$1, $2, ...` placeholders). */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

export interface Database extends Sql {
  /** Where it is, for messages (never a password). */
  readonly label: string;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * `lock: true` takes the write lock at the start (SQLite BEGIN IMMEDIATE; PostgreSQL rows
   * are locked with FOR UPDATE by the statements themselves).
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class DatabaseError extends AssayError {}

/** The file name of the embedded database in a state directory. */
export const SQLITE_FILE = "assay.db";

/** `url` without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  }
}

export interface OpenDatabaseOptions {
  /** `postgres://...` / `postgresql://...`, `sqlite:<file>`, or a file path; default: SQLite in `stateDir`. */
  url?: string;
  /** Where the embedded SQLite database lives when no url is given. */
  stateDir?: string;
  /** One line per schema change applied. */
  log?: (line: string) => void;
}

/** Opens (creating if needed) and migrates the database a node or worker uses. */
export async function openDatabase(o: OpenDatabaseOptions): Promise<Database> {
  const url = o.url ?? (o.stateDir ? path.join(o.stateDir, SQLITE_FILE) : undefined);
  if (!url) throw new DatabaseError("no database: give --db <url> or a state directory");
  let db: Database;
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { openPostgres } = await import("./postgres.js");
    db = await openPostgres(url);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new DatabaseError(
      `--db ${redactUrl(url)}: unsupported database url (postgres://..., sqlite:<file>, or a file path)`,
    );
  } else {
    const { openSqlite } = await import("./sqlite.js");
    db = await openSqlite(url.replace(/^sqlite:/i, ""));
  }
  try {
    await migrate(db, o.log);
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return db;
}

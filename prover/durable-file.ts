// How the node keeps its state on disk so that a crash, a kill -9 or a power loss never leaves a
// half-written record, and one bad record never stops it from starting.
//
// Writing: the bytes go to a temp file beside the target, the temp file is fsynced, renamed over
// the target, and then the directory is fsynced (the rename is a change to the directory: without
// that second fsync a power loss can bring the old entry back). A reader therefore sees the old
// record or the new one, never a torn one. This is written here rather than taken from
// `write-file-atomic`: that package fsyncs the file but not the directory, and names its temp
// files `<target>.<number>`, which a startup scan cannot tell from a record with certainty.
//
// Loading: a record that cannot be read, is not JSON or is not the right shape is moved to a
// `quarantine/` directory (its name plus a timestamp), with one logged line naming it and why;
// the rest load as usual. Temp files left by a process that died mid-write are removed.
//
// Privacy: directories are 0700 and files 0600 (records hold inputs and the salts that open their
// commitments); a directory found open to others is tightened, and that is logged.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { chmod, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";

export type Log = (line: string) => void;

/** Where state problems go when the caller gives no log: one line on stderr. */
export const logToStderr: Log = (line) => void process.stderr.write(`${line}\n`);

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
const POSIX = process.platform !== "win32";

/**
 * `<target>.<pid>-<run>-<n>.tmp`: the pid tells a dead writer's leftovers from a live one's, and
 * `run` (random per process) tells this process's own from those of an earlier process that had
 * the same pid (containers restart their main process with the same pid).
 */
const TEMP_NAME = /\.(\d+)-([0-9a-f]{8})-\d+\.tmp$/;
const RUN = randomBytes(4).toString("hex");
let tempCounter = 0;

/** Fsyncs a directory, making the renames and unlinks in it durable (a no-op on Windows). */
export async function syncDir(dir: string): Promise<void> {
  if (!POSIX) return; // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  const h = await open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Replaces `file` with `data` durably and atomically (see the top of this file). */
export async function writeFileDurably(file: string, data: string, mode = PRIVATE_FILE_MODE): Promise<void> {
  const tmp = `${file}.${process.pid}-${RUN}-${++tempCounter}.tmp`;
  const h = await open(tmp, "wx", mode);
  try {
    await h.writeFile(data, "utf8");
    await h.sync();
    await h.close();
    await rename(tmp, file);
  } catch (e) {
    await h.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(path.dirname(file));
}

function looseMode(mode: number): boolean {
  return POSIX && (mode & 0o077) !== 0;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** The line for a directory found open to others: tightened, or (not its owner, a filesystem without modes) not. */
function tightenLine(dir: string, before: number, after: number | Error): string {
  if (typeof after === "number" && !looseMode(after))
    return `state directory ${dir} was readable by other users (mode ${octal(before)}); tightened it to 0700`;
  const why = after instanceof Error ? after.message : `it is still ${octal(after)}`;
  return (
    `warning: state directory ${dir} is readable by other users (mode ${octal(before)}) and could not be ` +
    `tightened (${why}); run chmod 700 on it, or use a state directory on a filesystem with modes`
  );
}

/** Creates `dir` (and missing parents) 0700; tightens it to 0700 if it is open to others. */
export async function ensurePrivateDir(dir: string, log: Log = logToStderr): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const { mode } = await stat(dir);
  if (!looseMode(mode)) return;
  let after: number | Error;
  try {
    await chmod(dir, PRIVATE_DIR_MODE);
    after = (await stat(dir)).mode;
  } catch (e) {
    after = e as Error;
  }
  log(tightenLine(dir, mode, after));
}

/** The synchronous `ensurePrivateDir`, for callers that cannot wait. */
export function ensurePrivateDirSync(dir: string, log: Log = logToStderr): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const { mode } = statSync(dir);
  if (!looseMode(mode)) return;
  let after: number | Error;
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
    after = statSync(dir).mode;
  } catch (e) {
    after = e as Error;
  }
  log(tightenLine(dir, mode, after));
}

/** A free name in `dir` for a quarantined copy of `file`: its name, then when it was moved. */
function quarantineTarget(dir: string, file: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = path.join(dir, `${path.basename(file)}.${stamp}`);
  let target = base;
  for (let n = 1; existsSync(target); n++) target = `${base}-${n}`;
  return target;
}

function quarantineLine(file: string, reason: string, target: string): string {
  return (
    `error: state record ${file} is unusable (${reason}); moved it to ${target} and carried on without it ` +
    "(inspect it, then restore or delete it)"
  );
}

/** Moves a bad record out of the way (never overwriting an earlier one) and logs one line. */
export async function quarantine(file: string, dir: string, reason: string, log: Log = logToStderr) {
  await ensurePrivateDir(dir, log);
  const target = quarantineTarget(dir, file);
  await rename(file, target);
  await syncDir(path.dirname(file));
  await syncDir(dir);
  log(quarantineLine(file, reason, target));
  return target;
}

/** The synchronous `quarantine`. */
export function quarantineSync(file: string, dir: string, reason: string, log: Log = logToStderr): string {
  ensurePrivateDirSync(dir, log);
  const target = quarantineTarget(dir, file);
  renameSync(file, target);
  log(quarantineLine(file, reason, target));
  return target;
}

/** Why a record's text did not parse, without echoing its content (records hold inputs and salts). */
export function jsonProblem(e: unknown): string {
  if (!(e instanceof SyntaxError)) return (e as Error).message ?? String(e);
  return /end of JSON input|Unterminated/.test(e.message) ? "truncated JSON" : "not valid JSON";
}

/** The reader of one kind of record: throws (with a short reason) unless `text` is a good record. */
export type RecordParser<T> = (text: string, name: string) => T;

export interface LoadOptions<T> {
  dir: string;
  /** Which file names are records; other names are left alone. */
  isRecord: (name: string) => boolean;
  parse: RecordParser<T>;
  quarantineDir: string;
  log?: Log;
}

/** Whether a process with this pid runs (one we may not signal counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Removes the temp files of writers that died mid-write (a live writer's are left alone). */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const stale = pid === process.pid ? m[2] !== RUN : !processAlive(pid);
    if (!stale) continue;
    try {
      await unlink(path.join(dir, name));
      removed++;
    } catch {
      // gone already
    }
  }
  if (removed > 0) await syncDir(dir);
  return removed;
}

/** Reads one record; tightens its mode if others can read it. Throws a short reason. */
async function readRecord<T>(file: string, name: string, parse: RecordParser<T>): Promise<T> {
  const h = await open(file, "r");
  let text: string;
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new Error("not a regular file");
    if (st.size === 0) throw new Error("empty file");
    if (looseMode(st.mode)) await h.chmod(PRIVATE_FILE_MODE);
    text = await h.readFile("utf8");
  } finally {
    await h.close();
  }
  try {
    return parse(text, name);
  } catch (e) {
    throw new Error(jsonProblem(e), { cause: e });
  }
}

/**
 * Loads every record in `dir` (created 0700 if missing): stale temp files are removed, each bad
 * record is quarantined with one logged line, and the good ones are returned by file name.
 */
export async function loadRecords<T>(o: LoadOptions<T>): Promise<Map<string, T>> {
  const log = o.log ?? logToStderr;
  await ensurePrivateDir(o.dir, log);
  await removeStaleTempFiles(o.dir);
  const names = (await readdir(o.dir)).filter((n) => o.isRecord(n)).sort();
  const out = new Map<string, T>();
  const CHUNK = 64;
  for (let i = 0; i < names.length; i += CHUNK) {
    await Promise.all(
      names.slice(i, i + CHUNK).map(async (name) => {
        const file = path.join(o.dir, name);
        try {
          out.set(name, await readRecord(file, name, o.parse));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "ENOENT") return; // removed meanwhile
          const reason = code ? `cannot read it: ${code}` : (e as Error).message;
          await quarantine(file, o.quarantineDir, reason, log).catch((q: Error) =>
            log(
              `error: state record ${file} is unusable (${reason}); could not quarantine it (${q.message}), skipped it`,
            ),
          );
        }
      }),
    );
  }
  return out;
}

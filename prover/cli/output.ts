// How the CLI talks: progress on stderr (with the time since the command started; kept with
// --json, silenced by --quiet), results on stdout (human text, or exactly one JSON document with
// --json), and every error as one `assay: ...` line on stderr with a non-zero exit code (and, with
// --json, an { "error": {...} } document on stdout when no result was written).
import { describeError } from "./error-line.js";

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
}

/** Seconds since this process started, as progress lines show it ("  3.2s"). */
export function elapsed(): string {
  return `${process.uptime().toFixed(1)}s`.padStart(6);
}

export function progress(opts: GlobalOptions, line: string): void {
  if (!opts.quiet) process.stderr.write(`${elapsed()} ${line}\n`);
}

/**
 * Runs one long step (`what`: "[prove] witness + Groth16 proof for ...") between a start line and
 * a line with its duration; a failure propagates (its error line says what failed).
 */
export async function step<T>(opts: GlobalOptions, what: string, fn: () => Promise<T>): Promise<T> {
  progress(opts, `${what} ...`);
  const t = performance.now();
  const value = await fn();
  progress(opts, `${what}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return value;
}

let resultWritten = false;

const bigintAsString = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

export function result(opts: GlobalOptions, human: string, json: unknown): void {
  resultWritten = true;
  if (opts.json) process.stdout.write(`${JSON.stringify(json, bigintAsString, 2)}\n`);
  else process.stdout.write(`${human}\n`);
}

/** What a failed command reports under --json (on stdout, as its one document). */
export interface ErrorDocument {
  error: {
    /** The message of the `assay: ...` line. */
    message: string;
    exitCode: number;
    /** The error's class (InputError, ChainConnectionError, ...) or commander's code for usage errors. */
    type: string;
  };
}

/**
 * Writes the one `assay: ...` line for `e` (and its stack, with ASSAY_DEBUG set), and under
 * --json the error document on stdout unless the command already wrote its result (an audit's
 * failed checklist); returns the exit code.
 */
export function reportError(e: unknown, opts: GlobalOptions = {}): number {
  const { line, code } = describeError(e);
  const message = line.replace(/[\r\n\t]+/g, " ");
  process.stderr.write(`assay: ${message}\n`);
  if (process.env.ASSAY_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  if (opts.json && !resultWritten) {
    const type = (e as { code?: unknown })?.code;
    const doc: ErrorDocument = {
      error: {
        message,
        exitCode: code,
        type: typeof type === "string" && type.startsWith("commander.") ? type : ((e as Error)?.name ?? "Error"),
      },
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }
  return code;
}

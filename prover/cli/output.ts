// How the CLI talks: progress on stderr, results on stdout (human text, or JSON with --json),
// and every known error as one line with a non-zero exit code.
import { describeError } from "./error-line.js";

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
}

export function progress(opts: GlobalOptions, line: string): void {
  if (!opts.quiet && !opts.json) process.stderr.write(`${line}\n`);
}

export function result(opts: GlobalOptions, human: string, json: unknown): void {
  if (opts.json)
    process.stdout.write(`${JSON.stringify(json, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  else process.stdout.write(`${human}\n`);
}

/** Writes the one `assay: ...` line for `e` (and its stack, with ASSAY_DEBUG set); returns the exit code. */
export function reportError(e: unknown): number {
  const { line, code } = describeError(e);
  process.stderr.write(`assay: ${line.replace(/[\r\n\t]+/g, " ")}\n`);
  if (process.env.ASSAY_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return code;
}

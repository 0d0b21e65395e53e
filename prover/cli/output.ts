// How the CLI talks: progress on stderr, results on stdout (human text, or JSON with --json),
// and every known error as one line with a non-zero exit code.
import { AssayError } from "../errors.js";

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

/** Errors users cause (bad files, bad input, failed checks) vs bugs. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof AssayError) return 1;
  const name = (e as Error)?.name ?? "";
  return /Error$/.test(name) &&
    name !== "Error" &&
    name !== "TypeError" &&
    name !== "RangeError" &&
    name !== "ReferenceError"
    ? 1
    : 70;
}

export function reportError(e: unknown): number {
  const code = exitCodeFor(e);
  const msg = (e as Error)?.message ?? String(e);
  process.stderr.write(`assay: ${msg.split("\n")[0]}\n`);
  if (code !== 1 || process.env.ASSAY_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ""}\n`);
  return code;
}

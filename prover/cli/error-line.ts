// Any error the CLI meets, as one line and an exit code: 1 when the user or the machine can fix
// it (a usage mistake, a file, an input, the chain, memory), 70 when it is a bug in assay. Typed errors say what
// went wrong themselves; engine errors (ethers, Hardhat, the file system, fetch) are recognised by
// their shape, since they reach the CLI from many places.
import { AssayError, firstLine, isEnvironmentError } from "../errors.js";

export interface ErrorLine {
  /** The message, without the `assay: ` prefix: one line. */
  line: string;
  code: number;
}

export const EXIT_USER = 1;
export const EXIT_INTERNAL = 70;

/** ethers error codes that mean assay passed a wrong value: a bug, not the user's chain. */
const ETHERS_BUGS = new Set([
  "INVALID_ARGUMENT",
  "MISSING_ARGUMENT",
  "UNEXPECTED_ARGUMENT",
  "VALUE_MISMATCH",
  "BUFFER_OVERRUN",
  "NUMERIC_FAULT",
  "NOT_IMPLEMENTED",
  "UNSUPPORTED_OPERATION",
  "UNKNOWN_ERROR",
]);

/** JavaScript's own error classes: an unexpected one of these is a bug. */
const BUILTIN_ERRORS = new Set([
  "Error",
  "TypeError",
  "RangeError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
  "CompileError",
  "LinkError",
  "RuntimeError",
]);

interface EthersLike {
  code: string;
  shortMessage: string;
}

function isEthersError(e: unknown): e is EthersLike {
  const x = e as Partial<EthersLike> | null;
  return typeof x?.code === "string" && typeof x.shortMessage === "string";
}

/** `fetch` wraps the socket error: "fetch failed" with the cause's code (ECONNREFUSED, ENOTFOUND, ...). */
function fetchFailure(e: unknown): string | undefined {
  if (!(e instanceof TypeError) || e.message !== "fetch failed") return undefined;
  const c = e.cause as { code?: string; address?: string; port?: number; errors?: { code?: string }[] } | undefined;
  const code = c?.code ?? c?.errors?.[0]?.code ?? firstLine(c);
  return `request failed: ${code}${c?.address ? ` (${c.address}${c.port ? `:${c.port}` : ""})` : ""}`;
}

function engineLine(e: unknown): ErrorLine | undefined {
  const err = e as Error;
  if (isEthersError(e))
    return { line: `${e.shortMessage} (ethers ${e.code})`, code: ETHERS_BUGS.has(e.code) ? EXIT_INTERNAL : EXIT_USER };
  if (err?.name === "HardhatError" || /^HHE\d+:/.test(err?.message ?? ""))
    return { line: `hardhat: ${firstLine(e)}`, code: EXIT_USER };
  // A JSON-RPC error the chain answered with (Hardhat's ProviderError, EDR's errors).
  if (err?.name === "ProviderError") return { line: `the chain answered: ${firstLine(e)}`, code: EXIT_USER };
  const fetched = fetchFailure(e);
  if (fetched) return { line: fetched, code: EXIT_USER };
  if (isEnvironmentError(e)) return { line: firstLine(e), code: EXIT_USER };
  return undefined;
}

/** commander's own errors (unknown option or command, missing option or argument): a usage mistake. */
function usageLine(e: unknown): ErrorLine | undefined {
  const err = e as { name?: string; code?: unknown; message?: string } | null;
  if (err?.name !== "CommanderError" || typeof err.code !== "string") return undefined;
  const text = (err.message ?? "")
    .replace(/^error: /, "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");
  return { line: `${text} (see --help)`, code: EXIT_USER };
}

export function describeError(e: unknown): ErrorLine {
  if (e instanceof AssayError) return { line: firstLine(e), code: e.exitCode };
  const usage = usageLine(e);
  if (usage) return usage;
  const engine = engineLine(e);
  if (engine) return engine;
  // Typed errors of assay's own engine modules (ProofEncodingError, WitnessInputError, ...) and
  // parse errors (SyntaxError) come from what the user gave.
  const name = (e as Error)?.name ?? "";
  if (/Error$/.test(name) && !BUILTIN_ERRORS.has(name)) return { line: firstLine(e), code: EXIT_USER };
  return {
    line: `internal error: ${firstLine(e)} (rerun with ASSAY_DEBUG=1 for the stack trace, and please report it)`,
    code: EXIT_INTERNAL,
  };
}

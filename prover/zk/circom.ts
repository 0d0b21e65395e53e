// Compiles a circom 2 circuit with the npm `circom2` package (circom 2.2.3 as WebAssembly/WASI),
// offline, in a child process.
//
// WASI gives the compiler only its working directory and that directory's parents, so the
// compiler runs with cwd = the deepest common ancestor of the source, the include paths and the
// output directory, and gets every path relative to it.
//
// Nothing the compiler prints reaches this process's stdout: each line goes to `onProgress`, and
// the whole output is kept in `log` (and in <outDir>/<name>.log) for errors and warnings.
import { spawn } from "node:child_process";
import { access, mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { PROJECT_ROOT } from "../artifacts.js";
import { readR1csHeader } from "./r1cs-file.js";

const require = createRequire(import.meta.url);

export type OptimizeLevel = "O0" | "O1" | "O2";

export interface CompileOptions {
  /** Path of the .circom file holding `component main`. */
  source: string;
  /** Output directory (created if missing). */
  outDir: string;
  /** Constraint simplification: O2 (default) substitutes every linear constraint it can. */
  optimize?: OptimizeLevel;
  /** Library search paths (-l). Default: circomlib's circuits and this package's circuits/. */
  includePaths?: string[];
  /** Also run circom's --inspect analysis (its findings land in `warnings`). */
  inspect?: boolean;
  /** Each line the compiler prints (ANSI colours removed), as it prints it. */
  onProgress?: (line: string) => void;
}

export interface CompiledCircuit {
  /** Base name of the source, e.g. "model" for model.circom. */
  name: string;
  r1cs: string;
  wasm: string;
  sym: string;
  /** Generated CommonJS witness calculator next to the wasm. */
  witnessCalculator: string;
  /** Number of constraints in the r1cs (what Groth16 setup and proving pay for). */
  constraints: number;
  /** Witness length, including the constant wire 0. */
  wires: number;
  publicOutputs: number;
  publicInputs: number;
  privateInputs: number;
  /** Compiler's own split of `constraints`, from its summary. */
  nonLinearConstraints: number;
  linearConstraints: number;
  /** Compiler warnings (first line of each). */
  warnings: string[];
  /** Everything the compiler printed, without colours. */
  log: string;
  /** Where `log` was written (<outDir>/<name>.log). */
  logFile: string;
}

/** The compiler rejected the circuit (or did not run); `compilerMessage` is what it printed. */
export class CircomCompileError extends Error {
  constructor(
    readonly source: string,
    readonly exitCode: number | null,
    readonly compilerMessage: string,
    /** The signal that ended the compiler (e.g. SIGKILL when the system ran out of memory). */
    readonly signal: NodeJS.Signals | null = null,
    /** Where the compiler's output was written, when it ran. */
    readonly logFile?: string,
  ) {
    super(
      `circom failed on ${source} (${signal ? `killed by ${signal}` : `exit ${exitCode}`}):\n${compilerMessage.trim()}`,
    );
    this.name = "CircomCompileError";
  }

  /** The first error the compiler reported (or the first line it printed). */
  get firstError(): string {
    const lines = this.compilerMessage.split("\n").map((l) => l.trim());
    const i = lines.findIndex((l) => /^error\[/.test(l));
    if (i < 0) return lines.find((l) => l !== "") ?? "no output";
    // circom prints "error[T3001]: <what>" and the location on the following lines.
    const at = lines.slice(i + 1).find((l) => /^┌─|^-->/.test(l));
    return at ? `${lines[i]} (${at.replace(/^┌─|^-->/, "").trim()})` : lines[i];
  }
}

/** circomlib's circuits directory (bitify.circom, poseidon.circom, ...). */
export function circomlibCircuitsDir(): string {
  return join(dirname(require.resolve("circomlib/package.json")), "circuits");
}

/** This package's reviewed templates (rescale.circom, argmax.circom, commit.circom, ...). */
export function templatesDir(): string {
  return join(PROJECT_ROOT, "circuits");
}

export function defaultIncludePaths(): string[] {
  return [circomlibCircuitsDir(), templatesDir()];
}

/** Version string of the bundled compiler package (for cache keys). */
export function circom2Version(): string {
  return (require("circom2/package.json") as { version: string }).version;
}

function commonAncestor(paths: string[]): string {
  const split = paths.map((p) => resolve(p).split(sep));
  const first = split[0];
  let n = first.length;
  for (const parts of split.slice(1)) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function summaryNumber(log: string, label: string): number {
  const m = new RegExp(`^${label}:\\s*(\\d+)`, "m").exec(log);
  return m ? Number(m[1]) : 0;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

function compilerArgs(opts: CompileOptions, source: string, outDir: string, includePaths: string[], cwd: string) {
  const rel = (p: string) => relative(cwd, p) || ".";
  const optimize = opts.optimize ?? "O2";
  return [
    require.resolve("circom2/cli.js"),
    rel(source),
    "--r1cs",
    "--wasm",
    "--sym",
    `--${optimize}`,
    // circom 2.2's default --O2 heuristics stall on circuits with thousands of range checks that
    // share inputs (LeNet: 11 min vs 35 s); the old heuristics give the same constraint count.
    ...(optimize === "O2" ? ["--use_old_simplification_heuristics"] : []),
    ...(opts.inspect ? ["--inspect"] : []),
    ...includePaths.flatMap((p) => ["-l", rel(p)]),
    "-o",
    rel(outDir),
  ];
}

interface CompilerRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Everything printed on stdout and stderr, colours removed. */
  log: string;
}

/** Runs the compiler in a child process; each line it prints goes to `onLine`, none to our stdout. */
async function runCompiler(args: string[], cwd: string, onLine?: (line: string) => void): Promise<CompilerRun> {
  let raw = "";
  let pending = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    raw += text;
    if (!onLine) return;
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") onLine(line.replace(ANSI, ""));
  };
  const ended = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", fail);
    child.on("close", (code, sig) => done({ exitCode: code, signal: sig }));
  });
  if (onLine && pending.trim() !== "") onLine(pending.replace(ANSI, ""));
  return { ...ended, log: raw.replace(ANSI, "") };
}

/** Compiles `source` to r1cs + wasm witness generator + sym. Throws CircomCompileError. */
export async function compileCircuit(opts: CompileOptions): Promise<CompiledCircuit> {
  const source = resolve(opts.source);
  const outDir = resolve(opts.outDir);
  const includePaths = (opts.includePaths ?? defaultIncludePaths()).map((p) => resolve(p));
  if (!(await exists(source))) throw new CircomCompileError(source, null, `source file ${source} does not exist`);
  await mkdir(outDir, { recursive: true });
  const cwd = commonAncestor([dirname(source), outDir, ...includePaths]);
  const { exitCode, signal, log } = await runCompiler(
    compilerArgs(opts, source, outDir, includePaths, cwd),
    cwd,
    opts.onProgress,
  );

  const name = basename(source, extname(source));
  const logFile = join(outDir, `${name}.log`);
  await writeFile(logFile, log);
  const r1cs = join(outDir, `${name}.r1cs`);
  const sym = join(outDir, `${name}.sym`);
  const wasm = join(outDir, `${name}_js`, `${name}.wasm`);
  const witnessCalculator = join(outDir, `${name}_js`, "witness_calculator.js");
  // circom exits 1 on errors; a compiler crash may exit differently or leave files missing.
  if (exitCode !== 0 || /^error\[/m.test(log) || !/Everything went okay/.test(log)) {
    throw new CircomCompileError(source, exitCode, log, signal, logFile);
  }
  for (const f of [r1cs, sym, wasm, witnessCalculator]) {
    if (!(await exists(f)))
      throw new CircomCompileError(source, exitCode, `${log}\n(compiler did not write ${f})`, signal, logFile);
  }

  const header = await readR1csHeader(r1cs);
  return {
    name,
    r1cs,
    wasm,
    sym,
    witnessCalculator,
    constraints: header.nConstraints,
    wires: header.nWires,
    publicOutputs: header.nPubOut,
    publicInputs: header.nPubIn,
    privateInputs: header.nPrvIn,
    nonLinearConstraints: summaryNumber(log, "non-linear constraints"),
    linearConstraints: summaryNumber(log, "linear constraints"),
    warnings: log.split("\n").filter((l) => /^warning\[/.test(l)),
    log,
    logFile,
  };
}

/** circom2 release whose wasm code generation the literal costs below were measured on. */
const LITERAL_COSTS_MEASURED_ON = "0.2.23";

/**
 * Lower bounds on the wasm bytes circom 2.2.3 spends per element of an array literal a function
 * returns (the function stores each element; a negative one is negated at run time). Measured:
 * 15-17 and 27-30 bytes; the bounds sit below the smallest.
 */
const LITERAL_BYTES = { nonNegative: 13, negative: 25 };

export interface ConstantFunctionEstimate {
  /** The circom function's name, e.g. "W0". */
  name: string;
  elements: number;
  /** A lower bound on its wasm body size in the witness generator. */
  minBytes: number;
}

/**
 * For each `function NAME() { return [literal]; }` of a circom source: a lower bound on the size
 * of the wasm function circom will generate for it, largest first. Empty when the bundled
 * compiler is not the release the costs were measured on (nothing is then predicted).
 */
export function estimateConstantFunctions(source: string): ConstantFunctionEstimate[] {
  if (circom2Version() !== LITERAL_COSTS_MEASURED_ON) return [];
  const out: ConstantFunctionEstimate[] = [];
  const re = /function\s+(\w+)\s*\(\s*\)\s*\{\s*return\s*(\[[-\d,\s[\]]*\])\s*;\s*\}/g;
  for (const m of source.matchAll(re)) {
    const numbers = m[2].match(/-?\d+/g) ?? [];
    const negative = numbers.filter((v) => v.startsWith("-") && !/^-0+$/.test(v)).length;
    const minBytes = (numbers.length - negative) * LITERAL_BYTES.nonNegative + negative * LITERAL_BYTES.negative;
    out.push({ name: m[1], elements: numbers.length, minBytes });
  }
  return out.sort((a, b) => b.minBytes - a.minBytes);
}

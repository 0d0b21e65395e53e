// Compiles a circom 2 circuit with the npm `circom2` package (circom 2.2.3 as WebAssembly/WASI),
// offline, in a child process.
//
// WASI gives the compiler only its working directory and that directory's parents, so the
// compiler runs with cwd = the deepest common ancestor of the source, the include paths and the
// output directory, and gets every path relative to it.
import { spawn } from "node:child_process";
import { access, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
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
}

/** The compiler rejected the circuit (or did not run); `compilerMessage` is what it printed. */
export class CircomCompileError extends Error {
  constructor(
    readonly source: string,
    readonly exitCode: number | null,
    readonly compilerMessage: string,
  ) {
    super(`circom failed on ${source} (exit ${exitCode}):\n${compilerMessage.trim()}`);
    this.name = "CircomCompileError";
  }
}

/** circomlib's circuits directory (bitify.circom, poseidon.circom, ...). */
export function circomlibCircuitsDir(): string {
  return join(dirname(require.resolve("circomlib/package.json")), "circuits");
}

/** This package's reviewed templates (rescale.circom, argmax.circom, commit.circom, ...). */
export function templatesDir(): string {
  return fileURLToPath(new URL("../../circuits", import.meta.url));
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

/** Compiles `source` to r1cs + wasm witness generator + sym. Throws CircomCompileError. */
export async function compileCircuit(opts: CompileOptions): Promise<CompiledCircuit> {
  const source = resolve(opts.source);
  const outDir = resolve(opts.outDir);
  const includePaths = (opts.includePaths ?? defaultIncludePaths()).map((p) => resolve(p));
  const optimize = opts.optimize ?? "O2";
  if (!(await exists(source))) throw new CircomCompileError(source, null, `source file ${source} does not exist`);
  await mkdir(outDir, { recursive: true });

  const cwd = commonAncestor([dirname(source), outDir, ...includePaths]);
  const rel = (p: string) => relative(cwd, p) || ".";
  const args = [
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

  let raw = "";
  let pending = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    raw += text;
    if (!opts.onProgress) return;
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") opts.onProgress(line.replace(ANSI, ""));
  };
  const exitCode = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", fail);
    child.on("close", (code) => done(code));
  });
  if (opts.onProgress && pending.trim() !== "") opts.onProgress(pending.replace(ANSI, ""));
  const log = raw.replace(ANSI, "");

  const name = basename(source, extname(source));
  const r1cs = join(outDir, `${name}.r1cs`);
  const sym = join(outDir, `${name}.sym`);
  const wasm = join(outDir, `${name}_js`, `${name}.wasm`);
  const witnessCalculator = join(outDir, `${name}_js`, "witness_calculator.js");
  // circom exits 1 on errors; a compiler crash may exit differently or leave files missing.
  if (exitCode !== 0 || /^error\[/m.test(log) || !/Everything went okay/.test(log)) {
    throw new CircomCompileError(source, exitCode, log);
  }
  for (const f of [r1cs, sym, wasm, witnessCalculator]) {
    if (!(await exists(f))) throw new CircomCompileError(source, exitCode, `${log}\n(compiler did not write ${f})`);
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
  };
}

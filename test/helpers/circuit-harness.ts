// Test harness for circuit templates: compile a small main (cached by content hash under
// build/circuits-test/<hash>/), compute witnesses, check them against the r1cs, and build
// tampered witnesses that model a malicious prover.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { circom2Version, compileCircuit, templatesDir, type OptimizeLevel } from "../../prover/zk/circom.js";
import { checkR1csSync, type R1csCheckResult } from "../../prover/zk/r1cs-check.js";
import { readR1cs, type R1cs } from "../../prover/zk/r1cs-file.js";
import { computeWitness, readSymbols, WitnessError, type CircuitInputs } from "../../prover/zk/witness.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CIRCUIT_TEST_DIR = path.join(ROOT, "build", "circuits-test");

export class UnknownSignalError extends Error {
  constructor(readonly signal: string) {
    super(`no signal named ${signal} in the circuit`);
    this.name = "UnknownSignalError";
  }
}

/** The optimizer replaced the signal by a linear function of other wires: it is not in the witness. */
export class EliminatedSignalError extends Error {
  constructor(readonly signal: string) {
    super(`signal ${signal} was eliminated by the optimizer; it has no witness entry`);
    this.name = "EliminatedSignalError";
  }
}

/** A tamper that changes no witness entry would make a negative test vacuous. */
export class TamperNoEffectError extends Error {
  constructor(readonly signals: string[]) {
    super(`tampering ${signals.join(", ")} changed no witness entry`);
    this.name = "TamperNoEffectError";
  }
}

/** A value per signal name; arrays expand to name[i] (nested arrays to name[i][j]). */
export type SignalChanges = Record<string, TamperValue>;
export type TamperValue = bigint | number | readonly TamperValue[];

export interface TamperOptions {
  /**
   * Skip signals the optimizer eliminated instead of throwing. Use it to apply one complete
   * malicious assignment (every signal, as at --O0) to builds with different optimization:
   * an eliminated signal is a linear function of the surviving ones, so the survivors carry
   * the whole attack.
   */
  skipEliminated?: boolean;
  /** Allow a tamper that changes nothing (positive controls: a forger fed the honest claim). */
  allowUnchanged?: boolean;
}

function flatten(name: string, v: TamperValue, out: [string, bigint][]): void {
  if (Array.isArray(v)) v.forEach((x, i) => flatten(`${name}[${i}]`, x, out));
  else out.push([name, BigInt(v as bigint | number)]);
}

/** Returns a copy of `witness` with the named signals set (signed values encoded mod `prime`). */
export function tamper(
  witness: readonly bigint[],
  sym: Map<string, number | null>,
  changes: SignalChanges,
  prime: bigint,
  opts: TamperOptions = {},
): bigint[] {
  const out = [...witness];
  const entries: [string, bigint][] = [];
  for (const [name, v] of Object.entries(changes)) flatten(name, v, entries);
  let changed = 0;
  for (const [name, value] of entries) {
    if (!sym.has(name)) throw new UnknownSignalError(name);
    const index = sym.get(name);
    if (index === null || index === undefined) {
      if (opts.skipEliminated) continue;
      throw new EliminatedSignalError(name);
    }
    const encoded = ((value % prime) + prime) % prime;
    if (out[index] !== encoded) changed++;
    out[index] = encoded;
  }
  if (changed === 0 && !opts.allowUnchanged) throw new TamperNoEffectError(entries.map(([n]) => n));
  return out;
}

export interface TestCircuit {
  dir: string;
  r1csPath: string;
  wasm: string;
  r1cs: R1cs;
  sym: Map<string, number | null>;
  prime: bigint;
  constraints: number;
  optimize: OptimizeLevel;
  /** Full witness for these inputs (throws WitnessError when an `===` fails). */
  witness(inputs: CircuitInputs): Promise<bigint[]>;
  check(witness: readonly bigint[]): R1csCheckResult;
  /** A signal's value as a signed integer (upper half of the field read as negative). */
  signal(witness: readonly bigint[], name: string): bigint;
  /** Values of name[0..n-1], signed. */
  signals(witness: readonly bigint[], name: string, n: number): bigint[];
  tamper(witness: readonly bigint[], changes: SignalChanges, opts?: TamperOptions): bigint[];
  /** True when the named signal has a witness entry. */
  present(name: string): boolean;
}

let templatesHash: Promise<string> | undefined;
async function hashTemplates(): Promise<string> {
  const h = createHash("sha256");
  const dir = templatesDir();
  for (const f of (await readdir(dir)).filter((f) => f.endsWith(".circom")).sort()) {
    h.update(f)
      .update("\0")
      .update(await readFile(path.join(dir, f)))
      .update("\0");
  }
  return h.digest("hex");
}

const loaded = new Map<string, Promise<TestCircuit>>();

/**
 * Compiles `main` (full circom source with `component main`), reusing an earlier build with the
 * same source, options, templates and compiler. Template files are found via -l circuits/.
 */
export function testCircuit(main: string, optimize: OptimizeLevel = "O2"): Promise<TestCircuit> {
  const key = `${optimize}\n${main}`;
  let p = loaded.get(key);
  if (!p) {
    p = build(main, optimize);
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

async function build(main: string, optimize: OptimizeLevel): Promise<TestCircuit> {
  const hash = createHash("sha256")
    .update(`circom2 ${circom2Version()}\n${optimize}\n${await (templatesHash ??= hashTemplates())}\n${main}`)
    .digest("hex")
    .slice(0, 20);
  const dir = path.join(CIRCUIT_TEST_DIR, hash);
  const r1csPath = path.join(dir, "main.r1cs");
  const wasm = path.join(dir, "main_js", "main.wasm");
  const symPath = path.join(dir, "main.sym");
  if (!existsSync(path.join(dir, "done"))) {
    // Build in a private directory and rename it into place, so concurrent runs never see a
    // half-written circuit.
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    await mkdir(tmp, { recursive: true });
    await writeFile(path.join(tmp, "main.circom"), main);
    await compileCircuit({ source: path.join(tmp, "main.circom"), outDir: tmp, optimize });
    await writeFile(path.join(tmp, "done"), "");
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (!existsSync(path.join(dir, "done"))) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const r1cs = await readR1cs(r1csPath);
  const sym = await readSymbols(symPath);
  const prime = r1cs.prime;
  const half = prime >> 1n;
  const lookup = (name: string): number => {
    if (!sym.has(name)) throw new UnknownSignalError(name);
    const i = sym.get(name);
    if (i === null || i === undefined) throw new EliminatedSignalError(name);
    return i;
  };
  const signal = (w: readonly bigint[], name: string): bigint => {
    const v = w[lookup(name)];
    return v > half ? v - prime : v;
  };
  return {
    dir,
    r1csPath,
    wasm,
    r1cs,
    sym,
    prime,
    constraints: r1cs.nConstraints,
    optimize,
    witness: (inputs) => computeWitness(wasm, inputs),
    check: (w) => checkR1csSync(r1cs, w),
    signal,
    signals: (w, name, n) => Array.from({ length: n }, (_, i) => signal(w, `${name}[${i}]`)),
    tamper: (w, changes, opts) => tamper(w, sym, changes, prime, opts),
    present: (name) => typeof sym.get(name) === "number",
  };
}

/** Deterministic pseudo-random integers for reproducible "random" test vectors (splitmix64). */
export function rng(seed: number): { below(n: bigint): bigint; int(lo: bigint, hi: bigint): bigint } {
  let s = BigInt(seed) & 0xffffffffffffffffn;
  const next64 = (): bigint => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  };
  const below = (n: bigint): bigint => {
    let r = 0n;
    for (let bits = 0n; 1n << bits < n * 4n; bits += 64n) r = (r << 64n) | next64();
    return r % n;
  };
  return { below, int: (lo, hi) => lo + below(hi - lo + 1n) };
}

/** Little-endian binary digits of a non-negative integer. */
export function bitsOf(x: bigint, n: number): bigint[] {
  if (x < 0n) throw new Error(`bitsOf(${x}): negative`);
  return Array.from({ length: n }, (_, i) => (x >> BigInt(i)) & 1n);
}

/**
 * Awaits `p` and returns the WitnessError it must reject with; fails the test if it resolves or
 * rejects with anything else. `template` (e.g. "Num2Bits") must prefix the failing template.
 */
export async function witnessFailure(p: Promise<unknown>, template?: string): Promise<WitnessError> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    if (!(err instanceof WitnessError)) throw new Error(`expected a WitnessError, got ${String(err)}`);
    if (template !== undefined && !(err.template ?? "").startsWith(`${template}_`)) {
      throw new Error(`expected the failure in template ${template}, got ${err.template} (${err.message})`);
    }
    return err;
  }
  throw new Error(
    `expected witness generation to fail, it produced ${Array.isArray(result) ? `${result.length} values` : String(result)}`,
  );
}

// The one way tests build circuits. compileTestCircuit compiles circom source (a main with
// `component main`) with the prover's own compiler wrapper (prover/zk/circom.ts), once per
// content: builds are cached under build/circuits-test/<hash>/ by source, options, compiler
// version and the included template files. testCircuit adds what template tests need
// (witnesses, r1cs checks, tampered witnesses that model a malicious prover);
// testCircuitKeys runs a deterministic Groth16 setup for the contract fixtures.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { AssertionError } from "chai";
import * as snarkjs from "snarkjs";
import { PROJECT_ROOT } from "../../prover/artifacts.js";
import { fitsOneWord, packWords, type TensorEncoding, tensorTag } from "../../prover/commit/tensor-commitment.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import {
  circom2Version,
  compileCircuit,
  defaultIncludePaths,
  templatesDir,
  type CompiledCircuit,
  type OptimizeLevel,
} from "../../prover/zk/circom.js";
import { checkR1csSync, type R1csCheckResult } from "../../prover/zk/r1cs-check.js";
import { readR1cs, type R1cs } from "../../prover/zk/r1cs-file.js";
import type { SnarkjsVerificationKey } from "../../prover/zk/vkey-encoding.js";
import { computeWitness, readSymbols, WitnessError, type CircuitInputs } from "../../prover/zk/witness.js";
import { expectRejection } from "./reject.js";

const require = createRequire(import.meta.url);

export const CIRCUIT_TEST_DIR = path.join(PROJECT_ROOT, "build", "circuits-test");
/** Bump when the cache layout changes. */
const CACHE_VERSION = 2;

export interface TestCompileOptions {
  /** Constraint simplification; O2 (the default) is what models are compiled with. */
  optimize?: OptimizeLevel;
  /** Searched for includes before circomlib and circuits/; their .circom files join the cache key. */
  includePaths?: string[];
  /** Also run circom --inspect (its findings land in `warnings`). */
  inspect?: boolean;
}

/** What compileCircuit reports, for a build in `dir` (main.r1cs, main_js/main.wasm, main.sym). */
export interface CompiledTestCircuit extends CompiledCircuit {
  dir: string;
  optimize: OptimizeLevel;
}

const dirHashes = new Map<string, Promise<string>>();

/** sha256 over the .circom files directly in `dir` (names and contents). */
function hashCircomFiles(dir: string): Promise<string> {
  let p = dirHashes.get(dir);
  if (!p) {
    p = (async () => {
      const h = createHash("sha256");
      for (const f of (await readdir(dir)).filter((f) => f.endsWith(".circom")).sort()) {
        h.update(f)
          .update("\0")
          .update(await readFile(path.join(dir, f)))
          .update("\0");
      }
      return h.digest("hex");
    })();
    dirHashes.set(dir, p);
  }
  return p;
}

const compiled = new Map<string, Promise<CompiledTestCircuit>>();

/**
 * Compiles `main` (full circom source with `component main`), reusing an earlier build of the same
 * source with the same options, templates and compiler. Throws CircomCompileError.
 */
export function compileTestCircuit(main: string, opts: TestCompileOptions = {}): Promise<CompiledTestCircuit> {
  const optimize = opts.optimize ?? "O2";
  const includePaths = (opts.includePaths ?? []).map((p) => path.resolve(p));
  const inspect = opts.inspect ?? false;
  const key = JSON.stringify([optimize, includePaths, inspect, main]);
  let p = compiled.get(key);
  if (!p) {
    p = build(main, optimize, includePaths, inspect);
    compiled.set(key, p);
    p.catch(() => compiled.delete(key));
  }
  return p;
}

/** Paths in the saved record are relative to the build directory (which is renamed into place). */
const PATH_FIELDS = ["r1cs", "wasm", "sym", "witnessCalculator"] as const;

async function build(
  main: string,
  optimize: OptimizeLevel,
  includePaths: string[],
  inspect: boolean,
): Promise<CompiledTestCircuit> {
  const h = createHash("sha256").update(
    [
      `assay test circuit v${CACHE_VERSION}`,
      `circom2 ${circom2Version()}`,
      `circomlib ${(require("circomlib/package.json") as { version: string }).version}`,
      `${optimize}${inspect ? " --inspect" : ""}`,
      "",
    ].join("\n"),
  );
  for (const dir of [...includePaths, templatesDir()]) h.update(`${dir}\n${await hashCircomFiles(dir)}\n`);
  const dir = path.join(CIRCUIT_TEST_DIR, h.update(main).digest("hex").slice(0, 20));
  const record = path.join(dir, "compiled.json");
  if (!existsSync(record)) {
    // Build in a private directory and rename it into place, so concurrent runs never see a
    // half-written circuit.
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await mkdir(tmp, { recursive: true });
      await writeFile(path.join(tmp, "main.circom"), main);
      const c = await compileCircuit({
        source: path.join(tmp, "main.circom"),
        outDir: tmp,
        optimize,
        inspect,
        includePaths: [...includePaths, ...defaultIncludePaths()],
      });
      const saved = { ...c };
      for (const f of PATH_FIELDS) saved[f] = path.relative(tmp, c[f]);
      await writeFile(path.join(tmp, "compiled.json"), JSON.stringify(saved));
      await rename(tmp, dir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(record)) throw err;
    }
  }
  const c = JSON.parse(await readFile(record, "utf8")) as CompiledCircuit;
  for (const f of PATH_FIELDS) c[f] = path.join(dir, c[f]);
  return { ...c, dir, optimize };
}

/**
 * Groth16 keys for a compiled test circuit: a setup over `ptau` and one beacon contribution, so the
 * key is a function of (circuit, ptau, beacon) and every secret is public. Tests only.
 */
export async function testCircuitKeys(
  r1cs: string,
  ptau: string,
  zkey: string,
  beacon: { name: string; hex: string },
): Promise<SnarkjsVerificationKey> {
  const zkey0 = `${zkey}.initial`;
  await snarkjs.zKey.newZKey(r1cs, ptau, zkey0);
  if ((await snarkjs.zKey.beacon(zkey0, zkey, beacon.name, beacon.hex, 10)) === false) {
    throw new Error(`${beacon.name}: zkey beacon failed`);
  }
  await rm(zkey0);
  return (await snarkjs.zKey.exportVerificationKey(zkey)) as SnarkjsVerificationKey;
}

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

const loaded = new Map<string, Promise<TestCircuit>>();

/**
 * compileTestCircuit(main, { optimize }) with its r1cs and symbols loaded, for witness tests.
 * Template files are found via the default include paths (circomlib, circuits/).
 */
export function testCircuit(main: string, optimize: OptimizeLevel = "O2"): Promise<TestCircuit> {
  const key = `${optimize}\n${main}`;
  let p = loaded.get(key);
  if (!p) {
    p = load(main, optimize);
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

async function load(main: string, optimize: OptimizeLevel): Promise<TestCircuit> {
  const c = await compileTestCircuit(main, { optimize });
  const r1cs = await readR1cs(c.r1cs);
  const sym = await readSymbols(c.sym);
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
    dir: c.dir,
    r1csPath: c.r1cs,
    wasm: c.wasm,
    r1cs,
    sym,
    prime,
    constraints: r1cs.nConstraints,
    optimize,
    witness: (inputs) => computeWitness(c.wasm, inputs),
    check: (w) => checkR1csSync(r1cs, w),
    signal,
    signals: (w, name, n) => Array.from({ length: n }, (_, i) => signal(w, `${name}[${i}]`)),
    tamper: (w, changes, opts) => tamper(w, sym, changes, prime, opts),
    present: (name) => typeof sym.get(name) === "number",
  };
}

/**
 * Awaits `p` and returns the WitnessError it must reject with; fails the test if it resolves or
 * rejects with anything else. `template` (e.g. "Num2Bits") must prefix the failing template.
 */
export async function witnessFailure(p: Promise<unknown>, template?: string): Promise<WitnessError> {
  const err = await expectRejection(p, WitnessError);
  if (template !== undefined && !(err.template ?? "").startsWith(`${template}_`)) {
    throw new AssertionError(`expected the failure in template ${template}, got ${err.template} (${err.message})`);
  }
  return err;
}

/**
 * A generated model circuit without its Poseidon permutations (about 6 s of circom per compile
 * each), for tests of the layers: the input commitment (TensorCommit) keeps its range checks
 * alone, and an output too wide for one word publishes TAG + the sum of its packed words
 * (standInOutput) instead of their hash. What the layers compute is unchanged; the commitments
 * have tests of their own (test/circuits/commit.test.ts, and every test that proves a model).
 */
export function withoutPoseidon(source: string): string {
  const call = /component cin = TensorCommit\(/;
  if (!call.test(source)) throw new Error("not a generated model circuit: no TensorCommit input");
  const templates = [
    `// Test only: TensorCommit's range checks, without the commitment.`,
    `template InputRangeOnly(N, BITS, OFFSET, TAG) {`,
    `  signal input in[N];`,
    `  signal input salt;`,
    `  signal output commitment;`,
    `  component digits[N];`,
    `  for (var i = 0; i < N; i++) {`,
    `    digits[i] = Num2Bits(BITS);`,
    `    digits[i].in <== in[i] + OFFSET;`,
    `  }`,
    `  commitment <== salt + TAG;`,
    `}`,
    ``,
    `// Test only: a linear stand-in for PoseidonChain.`,
    `template ChainSum(M, TAG) {`,
    `  signal input in[M];`,
    `  signal output out;`,
    `  var s = TAG;`,
    `  for (var i = 0; i < M; i++) s += in[i];`,
    `  out <== s;`,
    `}`,
    ``,
  ].join("\n");
  return source
    .replace(call, "component cin = InputRangeOnly(")
    .replace(/component oc = PoseidonChain\(/, "component oc = ChainSum(")
    .replace("template AssayModel()", `${templates}template AssayModel()`);
}

/** The public output of withoutPoseidon's circuit for `values` (what outputSignal is for the real one). */
export function standInOutput(values: readonly bigint[], enc: TensorEncoding): bigint {
  if (fitsOneWord(enc)) return packWords(values, enc)[0];
  return packWords(values, enc).reduce((a, w) => (a + w) % FIELD_MODULUS, tensorTag(enc) % FIELD_MODULUS);
}

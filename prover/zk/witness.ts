// Witness computation with the witness calculator circom generates next to the wasm
// (<name>_js/witness_calculator.js), and the .sym signal table.
//
// Inputs are signed integers or field elements; negative values are encoded as x mod P (the
// calculator reduces with the circuit's own prime). Witness generation evaluates every `===` of the
// circuit, so an input outside a template's domain fails here with a WitnessError naming the
// template and line; a witness built by other means is checked with r1cs-check.ts.
//
// V8 refuses to compile a WebAssembly function body larger than 7,654,321 bytes, and circom
// writes one function per constant table; an oversized generator fails with the size V8 reports
// (WitnessGeneratorLoadError.oversized), which the caller turns into a one-line explanation.
import v8 from "node:v8";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { compileFunction } from "node:vm";

/** A value for an input signal: a scalar, or nested arrays for array signals. */
export type SignalValue = bigint | number | string | readonly SignalValue[];
export type CircuitInputs = Record<string, SignalValue>;

/** Witness generation failed; `reason` is the runtime's ("Assert Failed", "Not enough values ..."). */
export class WitnessError extends Error {
  constructor(
    readonly wasmPath: string,
    readonly reason: string,
    /** Innermost template named by the runtime's trace, e.g. "Num2Bits_3" (when it names one). */
    readonly template: string | undefined,
    readonly line: number | undefined,
    readonly trace: string,
  ) {
    super(
      `witness generation failed for ${wasmPath}: ${reason}${template ? ` in template ${template} line ${line}` : ""}`,
    );
    this.name = "WitnessError";
  }
}

export class WitnessInputError extends Error {
  constructor(
    readonly signal: string,
    readonly value: unknown,
  ) {
    super(`input ${signal}: ${String(value)} is not an integer`);
    this.name = "WitnessInputError";
  }
}

/** The witness generator's wasm cannot be compiled or instantiated here. */
export class WitnessGeneratorLoadError extends Error {
  constructor(
    readonly wasmPath: string,
    readonly reason: string,
    /** The size of the function body V8 refused, when that is why. */
    readonly oversized?: { bytes: number },
    options?: { cause?: unknown },
  ) {
    super(`cannot load the witness generator ${wasmPath}: ${reason}`, options);
    this.name = "WitnessGeneratorLoadError";
  }
}

/** V8's limit on one WebAssembly function body (wasm-limits.h, kV8MaxWasmFunctionSize). */
export const V8_MAX_WASM_FUNCTION_SIZE = 7_654_321;

/**
 * V8's CompileError for an oversized function states its size ("size 9396642 > maximum function
 * size 7654321"); the generated calculator rethrows it wrapped. The size, when that is the reason.
 */
function oversizedFunctionBytes(e: unknown): number | undefined {
  const m = /size (\d+) > maximum function size \d+/.exec(e instanceof Error ? e.message : String(e));
  return m ? Number(m[1]) : undefined;
}

interface GeneratedCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}
type Builder = (code: Uint8Array, options?: object) => Promise<GeneratedCalculator>;

const calculators = new Map<string, { key: string; calc: Promise<GeneratedCalculator> }>();

/** What the generated code prints (its `console.log` of a CompileError, circuit `log()` lines), kept for errors. */
const printed: string[] = [];

/** A `console` for the generated code: nothing it prints reaches stdout (it would break `--json`). */
const generatedConsole = Object.fromEntries(
  ["log", "info", "warn", "error", "debug"].map((k) => [
    k,
    (...args: unknown[]) => {
      printed.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
      if (printed.length > 50) printed.shift();
    },
  ]),
);

async function loadCalculator(wasmPath: string): Promise<GeneratedCalculator> {
  const jsPath = join(dirname(wasmPath), "witness_calculator.js");
  let src: string;
  let code: Uint8Array;
  try {
    src = await readFile(jsPath, "utf8");
    code = new Uint8Array(await readFile(wasmPath));
  } catch (e) {
    throw new WitnessGeneratorLoadError(wasmPath, (e as NodeJS.ErrnoException).code ?? String(e), undefined, {
      cause: e,
    });
  }
  // The generated file is CommonJS (`module.exports = builder`) while this package is ESM, so
  // it is evaluated as a CommonJS function body rather than imported.
  const mod: { exports: unknown } = { exports: {} };
  compileFunction(src, ["module", "exports", "console"], { filename: jsPath })(mod, mod.exports, generatedConsole);
  // A large generator is compiled by V8's baseline compiler only: optimising its multi-megabyte
  // functions (the split weight tables of a wide layer) stalls the whole process once the first
  // witness has run (measured: 12.8 s for the 22 MB generator of a 3,264-input model, whose
  // witness takes 0.7 s either way). The flag is captured when the module is compiled and
  // restored at once, so the curve arithmetic compiled later keeps optimising.
  const baselineOnly = code.byteLength >= BASELINE_ONLY_WASM_BYTES;
  if (baselineOnly) v8.setFlagsFromString("--liftoff-only");
  try {
    return await (mod.exports as Builder)(code);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    const bytes = oversizedFunctionBytes(e);
    throw new WitnessGeneratorLoadError(wasmPath, reason, bytes === undefined ? undefined : { bytes }, { cause: e });
  } finally {
    if (baselineOnly) v8.setFlagsFromString("--no-liftoff-only");
  }
}

/** Witness generators from this size on are compiled without V8's optimising tier (see loadCalculator). */
export const BASELINE_ONLY_WASM_BYTES = 8 << 20;

async function calculatorFor(wasmPath: string): Promise<GeneratedCalculator> {
  let key: string;
  try {
    const s = await stat(wasmPath);
    key = `${s.size}:${s.mtimeMs}`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new WitnessGeneratorLoadError(wasmPath, code, undefined, { cause: e });
  }
  const cached = calculators.get(wasmPath);
  if (cached && cached.key === key) return cached.calc;
  const calc = loadCalculator(wasmPath);
  calculators.set(wasmPath, { key, calc });
  calc.catch(() => calculators.delete(wasmPath));
  return calc;
}

function normalize(signal: string, v: SignalValue): unknown {
  if (Array.isArray(v)) return v.map((x, i) => normalize(`${signal}[${i}]`, x));
  let x: bigint;
  try {
    x = typeof v === "bigint" ? v : BigInt(v as number | string);
  } catch {
    throw new WitnessInputError(signal, v);
  }
  return x;
}

function normalizeInputs(inputs: CircuitInputs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = normalize(k, v);
  return out;
}

function toWitnessError(wasmPath: string, err: unknown): WitnessError {
  const text = err instanceof Error ? err.message : String(err);
  const reason = (text.split("\n")[0] ?? "").replace(/^Error:\s*/, "").trim();
  // The runtime lists the failing template first: "Error in template Num2Bits_3 line: 38".
  const m = /Error in template (\S+) line: (\d+)/.exec(text);
  const trace = printed.length ? `${text}\n(the witness code printed:)\n${printed.join("\n")}` : text;
  return new WitnessError(wasmPath, reason, m?.[1], m ? Number(m[2]) : undefined, trace);
}

/**
 * Computes the full witness (wire order of the r1cs: 1, outputs, public inputs, private inputs,
 * internal wires). Throws WitnessError when an input violates an `===` of the circuit or does
 * not match the circuit's input signals.
 */
export async function computeWitness(wasmPath: string, inputs: CircuitInputs): Promise<bigint[]> {
  const input = normalizeInputs(inputs);
  const calc = await calculatorFor(wasmPath);
  try {
    return await calc.calculateWitness(input, true);
  } catch (err) {
    calculators.delete(wasmPath);
    throw toWitnessError(wasmPath, err);
  }
}

/** Same witness in snarkjs's .wtns encoding, e.g. for `groth16.prove(zkey, { type: "mem", data })`. */
export async function computeWitnessWtns(wasmPath: string, inputs: CircuitInputs): Promise<Uint8Array> {
  const input = normalizeInputs(inputs);
  const calc = await calculatorFor(wasmPath);
  try {
    return await calc.calculateWTNSBin(input, true);
  } catch (err) {
    calculators.delete(wasmPath);
    throw toWitnessError(wasmPath, err);
  }
}

/**
 * Reads a .sym file: signal name ("main.c.out[3]") -> witness index, or null when the optimizer
 * eliminated the signal (its value is then a linear function of the remaining wires).
 */
export async function readSymbols(symPath: string): Promise<Map<string, number | null>> {
  const text = await readFile(symPath, "utf8");
  const table = new Map<string, number | null>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    // labelId,witnessIndex,componentId,name  (the name itself contains no commas)
    const parts = line.split(",");
    if (parts.length < 4) continue;
    const index = Number(parts[1]);
    table.set(parts.slice(3).join(","), index >= 0 ? index : null);
  }
  return table;
}

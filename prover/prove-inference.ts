// One verifiable inference: quantize the input, run the integer evaluator (the spec), compute
// the witness, prove, and check that the circuit's public signals are exactly what the
// evaluator and the commitment code predict. A disagreement is a bug and fails loudly.
// checkWitness does the same without keys: `assay model compile` runs it before Groth16 setup.
// A witness generator that cannot run becomes one error that says why and what to do.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { artifactPath } from "./artifacts.js";
import { PUBLIC_SIGNALS } from "./circuit/emit.js";
import { commitTensor, outputSignal } from "./commit/tensor-commitment.js";
import { inputEncoding, outputEncoding, outputValues } from "./circuit/encodings.js";
import type { CompiledModel } from "./compile-model.js";
import {
  AssayError,
  CircuitTooLargeError,
  EngineError,
  firstLine,
  InputError,
  InternalError,
  WitnessCheckError,
} from "./errors.js";
import { FIELD_MODULUS, toField } from "./field.js";
import { evaluateInteger, type IntegerResult } from "./engine/evaluate.js";
import type { QuantizedModel } from "./quantize/quantized-model.js";
import { type ConstantFunctionEstimate, estimateConstantFunctions } from "./zk/circom.js";
import { type Groth16Proof, groth16Prove, groth16Verify } from "./zk/groth16.js";
import {
  computeWitness,
  computeWitnessWtns,
  V8_MAX_WASM_FUNCTION_SIZE,
  WitnessGeneratorLoadError,
} from "./zk/witness.js";

export class CircuitMismatchError extends InternalError {
  constructor(
    readonly signal: string,
    readonly expected: bigint,
    readonly got: bigint,
  ) {
    super(`circuit and evaluator disagree on ${signal}: evaluator ${expected}, circuit ${got} (a bug: please report)`);
  }
}

/** "layer 0 (Gemm_0: dense 3264 -> 128, 417,792 weights)": the layer a constant table belongs to. */
function describeConstantTable(q: QuantizedModel, f: ConstantFunctionEstimate): string {
  // The emitter names constant tables after their layer: W3, B3_1, FROM2, ...
  const k = Number(/^[A-Z]+(\d+)/.exec(f.name)?.[1] ?? NaN);
  const layer = q.layers[k];
  const n = (x: number) => x.toLocaleString("en-US");
  if (!layer) return `the constant table ${f.name} (${n(f.elements)} values)`;
  const what =
    layer.kind === "dense"
      ? `dense ${layer.inFeatures} -> ${layer.outFeatures}, ${n(layer.weight.length)} weights`
      : layer.kind === "conv"
        ? `conv, ${n(layer.weight.length)} weights`
        : `${layer.kind}, ${n(f.elements)} constants`;
  return `layer ${k} (${layer.nodes.join(" + ")}: ${what})`;
}

/** A circuit's source predicts a witness-generator function V8 refuses (a lower bound, before compiling). */
export function tooLargeBeforeCompiling(
  label: string,
  q: QuantizedModel,
  source: string,
): CircuitTooLargeError | undefined {
  const largest = estimateConstantFunctions(source)[0];
  if (!largest || largest.minBytes <= V8_MAX_WASM_FUNCTION_SIZE) return undefined;
  const culprit = describeConstantTable(q, largest);
  return new CircuitTooLargeError(label, largest.minBytes, V8_MAX_WASM_FUNCTION_SIZE, culprit, true);
}

/** A compiled witness generator has a function of `bytes`, over V8's limit: which layer explains it. */
function tooLargeCompiled(model: CompiledModel, bytes: number): CircuitTooLargeError {
  let source = "";
  try {
    source = readFileSync(artifactPath(model.ref, "circom"), "utf8");
  } catch {
    // Without the source no layer is named.
  }
  // A constant table explains the size when its lower bound is at least half the limit.
  const largest = estimateConstantFunctions(source)[0];
  const explains = largest && 2 * largest.minBytes >= V8_MAX_WASM_FUNCTION_SIZE;
  const culprit = explains ? describeConstantTable(model.quantized, largest) : undefined;
  return new CircuitTooLargeError(modelLabel(model), bytes, V8_MAX_WASM_FUNCTION_SIZE, culprit, false);
}

/** "digits.onnx (circuit 8441...)": how errors name a compiled model. */
function modelLabel(model: CompiledModel): string {
  return `${model.manifest.onnx.file} (circuit ${model.ref.circuitId})`;
}

/**
 * The error for a witness that could not be computed for `what` (an input the circuit must
 * accept: quantization clamps every input into its range): too large for V8, or a bug.
 */
function witnessFailure(model: CompiledModel, what: string, e: unknown): Error {
  if (e instanceof WitnessGeneratorLoadError && e.oversized) return tooLargeCompiled(model, e.oversized.bytes);
  if (e instanceof AssayError) return e;
  return new WitnessCheckError(modelLabel(model), what, firstLine(e), { cause: e });
}

/** A uniformly random field element (the input commitment's blinding salt). */
export function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(40).toString("hex")}`) % FIELD_MODULUS;
}

export interface Inference {
  result: IntegerResult;
  salt: bigint;
  binding: bigint;
  inputCommitment: bigint;
  /** The public output signal (packed word, commitment, or label). */
  output: bigint;
}

/** Evaluates the model and computes the public signals it implies (no proving). */
export async function infer(
  model: CompiledModel,
  x: ArrayLike<number>,
  opts: { salt?: bigint; binding?: bigint } = {},
): Promise<Inference> {
  const q = model.quantized;
  const result = evaluateInteger(q, x);
  const salt = opts.salt ?? randomSalt();
  const binding = opts.binding ?? 0n;
  if (salt < 0n || salt >= FIELD_MODULUS) throw new InputError(`salt must be a field element, got ${salt}`);
  if (binding < 0n || binding >= FIELD_MODULUS) throw new InputError(`binding must be a field element, got ${binding}`);
  const inputCommitment = await commitTensor(result.input, inputEncoding(q), salt);
  // What the circuit publishes: the values (the labels after an ArgMax head, one per group)
  // packed into one word, else their commitment. A single label packs to the label itself.
  const output = await outputSignal(outputValues(q, result), outputEncoding(q));
  return { result, salt, binding, inputCommitment, output };
}

function circuitInputs(inf: Inference) {
  return { x: inf.result.input.map(toField), salt: inf.salt, binding: inf.binding };
}

function checkPublicSignals(inf: Inference, got: readonly bigint[]): void {
  const expected = [inf.inputCommitment, inf.output, inf.binding];
  PUBLIC_SIGNALS.forEach((name, i) => {
    if (got[i] !== expected[i]) throw new CircuitMismatchError(name, expected[i], got[i]);
  });
}

/**
 * Computes the witness for `x` with the compiled witness generator (no keys needed) and checks
 * its public signals against the integer evaluator. Throws CircuitTooLargeError (V8 cannot load
 * the generator), WitnessCheckError (it fails on `x`) or CircuitMismatchError.
 */
export async function checkWitness(
  model: CompiledModel,
  x: ArrayLike<number>,
  what = "the check input",
): Promise<{ witnessMs: number }> {
  const inf = await infer(model, x, { salt: 1n, binding: 0n });
  const t0 = performance.now();
  const witness = await computeWitness(artifactPath(model.ref, "wasm"), circuitInputs(inf)).catch((e) => {
    throw witnessFailure(model, what, e);
  });
  const witnessMs = performance.now() - t0;
  // Wire 0 is the constant 1; the public signals follow.
  checkPublicSignals(inf, witness.slice(1, 1 + PUBLIC_SIGNALS.length));
  return { witnessMs };
}

export interface ProvenInference extends Inference {
  proof: Groth16Proof;
  publicSignals: bigint[];
  timings: { witnessMs: number; proveMs: number };
}

export async function proveInference(
  model: CompiledModel,
  x: ArrayLike<number>,
  opts: { salt?: bigint; binding?: bigint } = {},
): Promise<ProvenInference> {
  if (!model.setup || !model.vkey) throw new InputError("model has no Groth16 keys: run setup first");
  const inf = await infer(model, x, opts);
  const t0 = performance.now();
  const wtns = await computeWitnessWtns(artifactPath(model.ref, "wasm"), circuitInputs(inf)).catch((e) => {
    throw witnessFailure(model, "this input", e);
  });
  const t1 = performance.now();
  const zkey = artifactPath(model.ref, "zkey");
  const { proof, publicSignals } = await groth16Prove(zkey, wtns).catch((e) => {
    throw e instanceof AssayError ? e : new EngineError(`groth16 prove of ${modelLabel(model)} with ${zkey}`, e);
  });
  const t2 = performance.now();
  checkPublicSignals(inf, publicSignals);
  return { ...inf, proof, publicSignals, timings: { witnessMs: t1 - t0, proveMs: t2 - t1 } };
}

export async function verifyInference(
  model: CompiledModel,
  publicSignals: readonly bigint[],
  proof: Groth16Proof,
): Promise<boolean> {
  if (!model.vkey) throw new InputError("model has no verification key");
  const n = PUBLIC_SIGNALS.length;
  // snarkjs reads a missing signal as 0 and ignores extra ones: a proof file must have exactly n.
  if (publicSignals.length !== n)
    throw new InputError(
      `a proof of model ${model.ref.circuitId} has ${n} public signals, got ${publicSignals.length}`,
    );
  const i = publicSignals.findIndex((v) => v < 0n || v >= FIELD_MODULUS);
  if (i >= 0) throw new InputError(`public signal ${PUBLIC_SIGNALS[i]} is not a field element: ${publicSignals[i]}`);
  return groth16Verify(model.vkey, publicSignals, proof);
}

// One verifiable inference: quantize the input, run the integer evaluator (the spec), compute
// the witness, prove, and check that the circuit's public signals are exactly what the
// evaluator and the commitment code predict. A disagreement is a bug and fails loudly.
import { randomBytes } from "node:crypto";
import { artifactPath } from "./artifacts.js";
import { commitTensor, outputSignal } from "./commit/tensor-commitment.js";
import { inputEncoding, outputEncoding } from "./circuit/encodings.js";
import type { CompiledModel } from "./compile-model.js";
import { AssayError, InputError } from "./errors.js";
import { FIELD_MODULUS, toField } from "./field.js";
import { evaluateInteger, type IntegerResult } from "./quantize/evaluate.js";
import { type Groth16Proof, groth16Prove, groth16Verify } from "./zk/groth16.js";
import { computeWitnessWtns } from "./zk/witness.js";

export class CircuitMismatchError extends AssayError {
  constructor(
    readonly signal: string,
    readonly expected: bigint,
    readonly got: bigint,
  ) {
    super(`circuit and evaluator disagree on ${signal}: evaluator ${expected}, circuit ${got} (a bug: please report)`);
  }
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
  const output =
    q.output.head === "argmax" ? BigInt(result.label) : await outputSignal(result.logits, outputEncoding(q));
  return { result, salt, binding, inputCommitment, output };
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
  const wtns = await computeWitnessWtns(artifactPath(model.ref, "wasm"), {
    x: inf.result.input.map(toField),
    salt: inf.salt,
    binding: inf.binding,
  });
  const t1 = performance.now();
  const { proof, publicSignals } = await groth16Prove(artifactPath(model.ref, "zkey"), wtns);
  const t2 = performance.now();
  const expected = [inf.inputCommitment, inf.output, inf.binding];
  ["inputCommitment", "output", "binding"].forEach((name, i) => {
    if (publicSignals[i] !== expected[i]) throw new CircuitMismatchError(name, expected[i], publicSignals[i]);
  });
  return { ...inf, proof, publicSignals, timings: { witnessMs: t1 - t0, proveMs: t2 - t1 } };
}

export async function verifyInference(
  model: CompiledModel,
  publicSignals: readonly bigint[],
  proof: Groth16Proof,
): Promise<boolean> {
  if (!model.vkey) throw new InputError("model has no verification key");
  return groth16Verify(model.vkey, publicSignals, proof);
}

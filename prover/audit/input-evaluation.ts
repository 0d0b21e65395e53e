// The commitment and output the registered model gives on an input, computed here by the integer
// evaluator of its locally compiled circuit (the model must be compiled on this machine).
import { openRegisteredModel, type RegisteredModel } from "../chain/registered-model.js";
import type { CompiledModel } from "../compile-model.js";
import { infer } from "../prove-inference.js";

export type InputEvaluation =
  { circuitId: string; inputCommitment: bigint; output: bigint; labels: number[] } | { error: string };

/** The input as the audit was given it, and what the model makes of it. */
export interface GivenInput {
  /** Label for messages (its file name). */
  name: string;
  salt: bigint;
  evaluation: InputEvaluation;
}

/** Evaluates `input`; a model that is not compiled here is reported, not thrown. */
export async function evaluateInput(
  model: RegisteredModel,
  input: ArrayLike<number>,
  salt: bigint,
): Promise<InputEvaluation> {
  let compiled: CompiledModel;
  try {
    compiled = await openRegisteredModel(model);
  } catch (e) {
    return { error: (e as Error).message };
  }
  const inf = await infer(compiled, input, { salt });
  return {
    circuitId: compiled.ref.circuitId,
    inputCommitment: inf.inputCommitment,
    output: inf.output,
    labels: inf.result.labels,
  };
}

// "input-commitment" and "output": the claim's input commitment and output, recomputed from the
// input and salt the auditor was given (skipped when none was given).
import type { Claim } from "../../chain/claim.js";
import { type AuditCheck, check } from "../audit-report.js";
import { describeLabels } from "../../engine/evaluate.js";
import type { GivenInput } from "../input-evaluation.js";

export function checkInputCommitment(claim: Claim, given: GivenInput | undefined): AuditCheck {
  if (!given)
    return check(
      "input-commitment",
      "skip",
      "no input given (--input f.json --salt n re-computes the input commitment and the output)",
    );
  const ev = given.evaluation;
  if ("error" in ev) return check("input-commitment", "fail", `cannot evaluate the model here: ${ev.error}`);
  const what = `Poseidon commitment of ${given.name} with salt ${given.salt}`;
  if (ev.inputCommitment === claim.inputCommitment)
    return check("input-commitment", "pass", `${what} equals the claim's`);
  return check("input-commitment", "fail", `${what} is ${ev.inputCommitment}, the claim's is ${claim.inputCommitment}`);
}

/** Undefined when there is no output to compare (no input given, or the model is not compiled here). */
export function checkOutput(claim: Claim, given: GivenInput | undefined): AuditCheck | undefined {
  const ev = given?.evaluation;
  if (!given || !ev || "error" in ev) return undefined;
  const evaluator = `the integer evaluator of circuit ${ev.circuitId} on ${given.name}`;
  if (ev.output === claim.output)
    return check(
      "output",
      "pass",
      `${evaluator} gives the claim's output ${claim.output} (${describeLabels(ev.labels)})`,
    );
  return check(
    "output",
    "fail",
    `${evaluator} gives ${ev.output} (${describeLabels(ev.labels)}), the claim says ${claim.output}`,
  );
}

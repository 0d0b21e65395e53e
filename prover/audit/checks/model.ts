// "model": the claim's model is registered, was not deprecated before the claim was recorded,
// and allows the level the claim was recorded at.
import { LEVEL_NAMES } from "../../chain/protocol-client.js";
import { levelsOfMask, type RegisteredModel } from "../../chain/registered-model.js";
import { type AuditCheck, check, passIf } from "../audit-report.js";
import { short, when } from "../detail-format.js";
import type { Submission } from "../submission.js";

function deprecationNote(model: RegisteredModel, deprecatedBefore: boolean): string {
  if (model.status !== "Deprecated") return "";
  const order = deprecatedBefore ? "before" : "after";
  return ` since ${when(model.deprecatedAt)} (${order} the claim was recorded)`;
}

/** `model` is undefined when nothing is registered under `modelId`. */
export function checkModel(modelId: string, model: RegisteredModel | undefined, first: Submission): AuditCheck {
  if (!model) return check("model", "fail", `model ${modelId} is not registered`);
  const allowed = (model.allowedLevels & (1 << first.level)) !== 0;
  const recordedAt = first.event?.timestamp ?? 0;
  const deprecatedBefore =
    model.status === "Deprecated" && first.event !== undefined && model.deprecatedAt <= recordedAt;
  const status = `${model.status}${deprecationNote(model, deprecatedBefore)}`;
  const verdict = allowed ? "allowed" : "NOT allowed";
  return check(
    "model",
    passIf(allowed && !deprecatedBefore && model.status !== "Unknown"),
    `${modelId}: version ${model.version} of family ${short(model.family)}, ${status}; ` +
      `allows ${levelsOfMask(model.allowedLevels).join(", ")}; recorded at ${LEVEL_NAMES[first.level]}: ${verdict}`,
  );
}

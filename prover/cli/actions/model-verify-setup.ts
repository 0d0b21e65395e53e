// assay model verify-setup: snarkjs zkey verify against the r1cs and the ceremony, plus provenance.
import { artifactPath } from "../../artifacts.js";
import { AssayError, InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { ContributionRecord } from "../../zk/ceremony-record.js";
import { setupPtauFile, type SetupProvenanceRecord } from "../../zk/setup-provenance.js";
import { verifySetup, type VerifySetupResult } from "../../zk/verify-setup.js";
import type { VerifySetupOptions } from "../commands/model-verify-setup.js";
import { type GlobalOptions, progress, result, step } from "../output.js";

/** The keys did not verify (the report is printed before). */
export class SetupVerificationError extends AssayError {}

function contributions(cs: readonly ContributionRecord[]): string {
  if (cs.length === 0) return "none";
  const kinds = cs.map((c) => `${c.kind}${c.name ? ` "${c.name}"` : ""}`);
  return `${cs.length} (${kinds.join(", ")})`;
}

function provenanceLines(p: SetupProvenanceRecord | undefined): string[] {
  if (!p) return ["  provenance       unreadable"];
  const verdict = p.development ? `DEVELOPMENT: ${p.reason}; anyone can forge proofs` : "not development";
  return [
    `  setup            ${verdict}`,
    `  ptau sha256      ${p.ptauHash}`,
    `  phase 1          ${contributions(p.ptauContributions)}`,
    `  phase 2 sha256   ${p.phase2Hash}`,
    `  phase 2          ${contributions(p.phase2Contributions)}`,
  ];
}

function formatReport(circuitId: string, ptauId: string, ptau: string, r: VerifySetupResult): string {
  return [
    `setup of model ${circuitId} (keys ${ptauId}) against ${ptau}`,
    ...r.checks.map((c) => `  ${c.ok ? "✓" : "✗"} ${c.name.padEnd(14)} ${c.detail}`),
    `  key id           ${r.keyId}`,
    ...provenanceLines(r.provenance),
    r.ok ? "VERIFIED" : "NOT VERIFIED",
  ].join("\n");
}

export async function run(id: string, o: VerifySetupOptions & GlobalOptions): Promise<void> {
  const model = await openModel(id, o.ptauId);
  if (!model.setup || !model.vkey || !model.ref.ptauId)
    throw new InputError(`model ${model.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
  const ptau = o.ptau ?? (await setupPtauFile(model));
  const say = (line: string) => progress(o, `[verify-setup] ${line}`);
  const r = await step(o, `[verify-setup] zkey of ${model.ref.circuitId} against ${ptau}`, () =>
    verifySetup({
      r1cs: artifactPath(model.ref, "r1cs"),
      ptau,
      zkey: artifactPath(model.ref, "zkey"),
      vkey: model.vkey!,
      recordedPhase2Hash: model.setup!.zkeySha256,
      onProgress: say,
    }),
  ).finally(() => releaseCurve());
  const { circuitId, ptauId } = model.ref;
  result(o, formatReport(circuitId, ptauId!, ptau, r), { circuitId, ptauId, ptau, ...r });
  if (!r.ok) throw new SetupVerificationError(`setup of model ${circuitId} does not verify: ${r.reason}`);
}

// assay model verify-setup <model> [--ptau <file>]: re-checks a compiled model's Groth16 keys
// against its circuit and the powers of tau (snarkjs zkey verify), checks the verifying key is
// the model's, and prints where the keys came from. Exit 0 when they verify, 1 when not.
import type { Command } from "commander";
import { artifactPath } from "../../artifacts.js";
import { AssayError, InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { ContributionRecord } from "../../zk/ceremony-record.js";
import { setupPtauFile, type SetupProvenanceRecord } from "../../zk/setup-provenance.js";
import { verifySetup, type VerifySetupResult } from "../../zk/verify-setup.js";
import { type GlobalOptions, progress, result } from "../output.js";

interface Opts extends GlobalOptions {
  ptau?: string;
  ptauId?: string;
}

/** The keys did not verify (the report is printed before). */
export class SetupVerificationError extends AssayError {}

const DESCRIPTION =
  "re-check a compiled model's Groth16 keys: recompute the circuit keys from its r1cs and the powers of tau " +
  "and check the zkey against them and every phase-2 contribution (what `snarkjs zkey verify` does), check the " +
  "verifying key in the zkey is the model's, and print the setup's provenance: the SHA-256 of the powers of " +
  "tau and of the final zkey (the phase-2 transcript, as registered on chain) and whether it is a development " +
  "setup (secrets anyone can recompute, so proofs can be forged). The ceremony file is the one recorded at " +
  "setup (a development one is generated again if its cached copy is gone) unless --ptau names it. " +
  "Exit 0 when the keys verify, 1 with the reason when not.";

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

async function runVerifySetup(id: string, o: Opts, g: GlobalOptions): Promise<void> {
  const model = await openModel(id, o.ptauId);
  if (!model.setup || !model.vkey || !model.ref.ptauId)
    throw new InputError(`model ${model.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
  const ptau = o.ptau ?? (await setupPtauFile(model));
  const say = (line: string) => progress(g, `[verify-setup] ${line}`);
  const r = await verifySetup({
    r1cs: artifactPath(model.ref, "r1cs"),
    ptau,
    zkey: artifactPath(model.ref, "zkey"),
    vkey: model.vkey,
    recordedPhase2Hash: model.setup.zkeySha256,
    onProgress: say,
  });
  await releaseCurve();
  const { circuitId, ptauId } = model.ref;
  result(g, formatReport(circuitId, ptauId, ptau, r), { circuitId, ptauId, ptau, ...r });
  if (!r.ok) throw new SetupVerificationError(`setup of model ${circuitId} does not verify: ${r.reason}`);
}

export function registerModelVerifySetup(model: Command, globals: () => GlobalOptions): void {
  model
    .command("verify-setup")
    .argument("<model>", "circuit id (or a unique prefix) of a compiled model with keys")
    .summary("re-check a model's keys against its circuit and powers of tau; print their provenance")
    .description(DESCRIPTION)
    .option("--ptau <file>", "the powers-of-tau file the keys were set up with (default: the one recorded at setup)")
    .option("--ptau-id <id>", "which keys, when the model was set up more than once")
    .action((id: string, o: Opts) => runVerifySetup(id, o, { ...globals(), ...o }));
}

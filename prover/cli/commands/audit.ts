// assay audit <claim id>: re-checks a claim from chain data alone and prints a checklist; exits 1
// when any check fails.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { bytes32Option, fieldOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface AuditOptions extends ChainOptions {
  input?: string;
  salt?: bigint;
  attestation?: string[];
  attestationRoot: string;
}

const DESCRIPTION =
  "re-check a claim from chain data alone: its record and events; its fields, read back from the submitting " +
  "transaction, hash to its id; its model is registered and allowed the level; the registered verifying key is " +
  "what the verifier holds; a proof verifies off-chain against it; an enclave key was registered, valid and of " +
  "an approved image; a signer was staked; disputes and finality. With --input and --salt, the input commitment " +
  "and the output are recomputed (the model must be compiled here). Exit 1 if any check fails.";

export function defineAudit(program: Command): void {
  const cmd = program
    .command("audit")
    .argument("<claimId>", "the claim id (bytes32) printed by `assay submit` or the node", bytes32Option("<claimId>"))
    .summary("re-check a claim from chain data alone (checklist, exit 1 on a failure)")
    .description(DESCRIPTION)
    .option("--input <file>", "the input the claim commits to (JSON array of numbers, flat or nested)")
    .option(
      "--salt <n>",
      "the input commitment's salt (printed by `assay submit`, kept in the proof file)",
      fieldOption("--salt"),
    )
    .option(
      "--attestation <path>",
      "attestation document(s) (*.cose files or a directory of them) to re-verify an enclave key's " +
        "registration; repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--attestation-root <aws|file>",
      "root the documents must chain to: aws (the AWS Nitro root), dev (this machine's development CA, " +
        "UNSAFE outside development), or a certificate file (PEM/DER)",
      "aws",
    );
  deploymentOptions(cmd);
  cmd.action(lazyAction(() => import("../actions/audit.js")));
}

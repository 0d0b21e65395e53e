// assay prove <model> --input f.json: evaluate, prove, check, write a proof file. With
// --claim-for <modelId> the proof is made for a claim on the connected chain's hub and bound to
// the account that will submit it (what `assay submit <proof file>` sends).
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { addressOption, bytes32Option, deadlineOption, fieldOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface ProveOptions extends ChainOptions {
  input: string;
  out?: string;
  snarkjs?: string;
  binding?: bigint;
  salt?: bigint;
  ptauId?: string;
  claimFor?: string;
  submitter?: string;
  requestId?: string;
  deadline?: { relative: boolean; value: bigint };
}

function addOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      "--input <file>",
      "input tensor: JSON array of numbers, flat or nested in the model's shape (or { input } / { shape, data })",
    )
    .option("--out <file>", "where to write the proof file (default: print it)")
    .option(
      "--snarkjs <dir>",
      "also write proof.json, public.json and verification_key.json there (`snarkjs groth16 verify` reads them)",
    )
    .option(
      "--binding <n>",
      "public value bound to the proof, without --claim-for (default 0)",
      fieldOption("--binding"),
    )
    .option("--salt <n>", "blinding of the input commitment (default: random)", fieldOption("--salt"))
    .option("--ptau-id <id>", "which keys, when the model was set up more than once")
    .option(
      "--claim-for <modelId>",
      "make the proof for a claim on this registered model (connects to the chain)",
      bytes32Option("--claim-for"),
    )
    .option(
      "--submitter <address>",
      "with --claim-for: the account that will submit (default: the signing --account)",
      addressOption("--submitter"),
    )
    .option(
      "--request-id <bytes32>",
      "with --claim-for: the claim's request id (default: random)",
      bytes32Option("--request-id"),
    )
    .option(
      "--deadline <time>",
      "with --claim-for: last unix time the claim may be recorded, or +<seconds> (default +86400)",
      deadlineOption("--deadline"),
    );
}

export function defineProve(program: Command): void {
  const cmd = program
    .command("prove")
    .argument("<model>", "circuit id (or a unique prefix) printed by `assay model compile`")
    .summary("prove one inference (optionally for a claim on chain)")
    .description(
      "prove one inference: the registered model on this input gives this output. With --claim-for <modelId> " +
        "the proof is made for a claim on the chain's receipt hub, bound to the submitting account; " +
        "send it with `assay submit <proof file>`",
    );
  addOptions(cmd);
  deploymentOptions(cmd);
  cmd.action(lazyAction(() => import("../actions/prove.js")));
}

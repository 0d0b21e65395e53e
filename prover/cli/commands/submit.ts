// assay submit: records a Proven claim with the receipt hub (or raises a Signed/Attested one).
// Either from a proof file made for the claim (`assay prove --claim-for`), or proving here from
// --model <modelId> --input f.json.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { bytes32Option, deadlineOption, fieldOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface SubmitOptions extends ChainOptions {
  model?: string;
  input?: string;
  requestId?: string;
  deadline?: { relative: boolean; value: bigint };
  salt?: bigint;
  out?: string;
}

function addOptions(cmd: Command): Command {
  return cmd
    .option(
      "--model <modelId>",
      "registered model id (bytes32, printed by `assay model register`)",
      bytes32Option("--model"),
    )
    .option("--input <file>", "input tensor (JSON array of numbers): prove here instead of reading a proof file")
    .option("--request-id <bytes32>", "the claim's request id (default: random)", bytes32Option("--request-id"))
    .option(
      "--deadline <time>",
      "last unix time the claim may be recorded, or +<seconds> (default +86400)",
      deadlineOption("--deadline"),
    )
    .option(
      "--salt <n>",
      "blinding of the input commitment (default: random); keep it to audit with the input",
      fieldOption("--salt"),
    )
    .option("--out <file>", "with --input: also write the proof file (it holds the salt)");
}

export function defineSubmit(program: Command): void {
  const cmd = program
    .command("submit")
    .argument("[proof]", "a proof file made for the claim by `assay prove <model> --input f --claim-for <modelId>`")
    .summary("record a Proven claim (from a proof file, or prove here)")
    .description(
      "record a Proven claim with the receipt hub: the proof is checked on chain against the model's " +
        "registered key. Give a proof file made for the claim, or --model <modelId> --input f.json to prove " +
        "and submit in one step (the model's circuit and keys must be compiled here). Prints the claim id.",
    );
  addOptions(cmd);
  deploymentOptions(cmd);
  cmd.action(lazyAction(() => import("../actions/submit.js")));
}

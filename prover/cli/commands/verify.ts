// assay verify <proof>: checks a proof off-chain, against the compiled model's key (default), a
// snarkjs verification key file (--vkey), or the key the chain registered for the model
// (--from-chain). Proofs are assay proof files or snarkjs's proof.json + public.json.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { bytes32Option } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface VerifyOptions extends ChainOptions {
  vkey?: string;
  fromChain?: boolean;
  model?: string;
  public?: string;
}

const HELP = `
Where the key comes from:
  (default)              the compiled model the proof file names (circuit id and keys), from the local cache
  --vkey <file>          a snarkjs verification_key.json (what \`assay prove --snarkjs <dir>\` writes)
  --from-chain           the key registered on chain for --model <modelId> (default: the model of the claim a
                         claim proof file is for), read from the verifier and checked against its id
Proof formats: an assay proof file (\`assay prove --out\`), or a snarkjs proof.json whose public signals are
in --public <file> (default: public.json beside it).`;

export function defineVerify(program: Command): void {
  const cmd = program
    .command("verify")
    .argument("<proof>", "a proof file written by `assay prove`, or a snarkjs proof.json")
    .summary("verify a proof off-chain (local keys, a key file, or the key registered on chain)")
    .description("verify a proof off-chain against its model's verifying key (exit 1 if it does not verify)")
    .option("--vkey <file>", "verify against this snarkjs verification key file")
    .option("--from-chain", "verify against the key registered on chain for the model (see below)")
    .option("--model <modelId>", "with --from-chain: the registered model id", bytes32Option("--model"))
    .option("--public <file>", "the public signals of a snarkjs proof.json (default: public.json beside it)");
  deploymentOptions(cmd);
  cmd.addHelpText("after", HELP);
  cmd.action(lazyAction(() => import("../actions/verify.js")));
}

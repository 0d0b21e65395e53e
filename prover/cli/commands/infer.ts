// assay infer <model> --input f.json --value <at risk>: one verifiable inference at the level the
// value at risk calls for. Runs the node's inference service in this process (Signed: the signing
// account signs and submits; Proven: proves and submits before returning), or asks a running node
// (--node <url>), which can also give Attested from its enclave.
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { lazyAction } from "../lazy-action.js";
import { AMOUNT_HELP, addressOption, amountOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface InferOptions extends ChainOptions {
  input: string;
  value: bigint;
  level: string;
  consumer?: string;
  node?: string;
  apiKey?: string;
  signedMax?: bigint;
  attestedMax?: bigint;
}

/**
 * The node policy's defaults as --help shows them: prover/node/config.ts's DEFAULT_NODE_CONFIG
 * (not imported here: it loads ethers; test/cli/startup.test.ts holds the two equal).
 */
export const HELP_POLICY_DEFAULTS = { signedMax: "1eth", attestedMax: "100eth" } as const;

function levelOption(v: string): string {
  const l = v.toLowerCase();
  if (!["auto", "signed", "attested", "proven"].includes(l))
    throw new InputError(`--level must be auto, signed, attested or proven, got "${v}"`);
  return l;
}

function addOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      "--input <file>",
      "input tensor: JSON array of numbers, flat or nested in the model's shape (or { input } / { shape, data })",
    )
    .requiredOption(
      "--value <at risk>",
      `value at risk in the consumer's unit (${AMOUNT_HELP}; wei for the node policy)`,
      amountOption("--value"),
    )
    .option("--level <level>", "auto, signed, attested or proven", levelOption, "auto")
    .option("--consumer <address>", "contract whose requiredLevel(uint256) sets the level", addressOption("--consumer"))
    .option("--node <url>", "ask a running assay node (POST <url>/v1/infer) instead of running here")
    .option("--api-key <token>", "the node's API key for --node (default: $ASSAY_API_KEY)")
    .option(
      "--signed-max <amount>",
      `node policy: highest value at risk for Signed (default ${HELP_POLICY_DEFAULTS.signedMax})`,
      amountOption("--signed-max"),
    )
    .option(
      "--attested-max <amount>",
      `node policy: highest value at risk for Attested (default ${HELP_POLICY_DEFAULTS.attestedMax})`,
      amountOption("--attested-max"),
    );
}

export function defineInfer(program: Command): void {
  const cmd = program
    .command("infer")
    .argument("<model>", "registered model id (bytes32); with --node, also a name the node serves")
    .summary("run one inference at the level its value at risk needs")
    .description(
      "run one inference and put its claim on chain at the level the value at risk needs: the consumer's " +
        "requiredLevel(value) (--consumer) or the node policy (Signed up to --signed-max, Attested up to " +
        "--attested-max, else Proven); --level asks for more, never less. In this process the signing account " +
        "signs (it must be staked) or proves; Attested needs a node with an enclave (--node <url>).",
    );
  addOptions(cmd);
  deploymentOptions(cmd);
  cmd.action(lazyAction(() => import("../actions/infer.js")));
}

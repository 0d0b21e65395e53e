// assay deploy: the shared Groth16 verifier and AssayProtocol (with its linked libraries); writes
// <state dir>/deployment-<chainId>.json so later commands find them.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { addressOption, amountOption, intOption, secondsOption } from "../parse.js";
import { CHAIN_HELP, type ChainOptions, chainOptions, keyOptions } from "./chain-options.js";

export interface DeployOptions extends ChainOptions {
  minStake?: bigint;
  challengeBond?: bigint;
  slashAmount?: bigint;
  challengeWindow?: number;
  responseWindow?: number;
  unbondingDelay?: number;
  treasury?: string;
  force?: boolean;
  requestHub?: boolean;
  requestTtl?: number;
  maxCallbackGas?: number;
}

function addOptions(cmd: Command): Command {
  return cmd
    .option(
      "--min-stake <amount>",
      "active stake an operator needs to sign claims (default 1eth)",
      amountOption("--min-stake"),
    )
    .option("--challenge-bond <amount>", "bond a challenge sends (default 0.1eth)", amountOption("--challenge-bond"))
    .option(
      "--slash-amount <amount>",
      "stake a refuted claim costs its backer (default 1eth)",
      amountOption("--slash-amount"),
    )
    .option(
      "--challenge-window <seconds>",
      "how long Signed/Attested claims can be challenged (default 3600)",
      secondsOption("--challenge-window"),
    )
    .option(
      "--response-window <seconds>",
      "how long a backer has to answer a challenge (default 3600)",
      secondsOption("--response-window"),
    )
    .option(
      "--unbonding-delay <seconds>",
      "delay before unbonded stake can leave; > 2 x challenge + response window (default 14400)",
      secondsOption("--unbonding-delay"),
    )
    .option(
      "--treasury <address>",
      "receives the treasury's share of slashed stake (default: the deployer)",
      addressOption("--treasury"),
    )
    .option("--force", "deploy even when this chain already has a recorded deployment (the file is replaced)")
    .option("--request-hub", "also deploy an AssayRequestHub (on-chain inference requests) with its PoseidonT17")
    .option(
      "--request-ttl <seconds>",
      "with --request-hub: how long a request stays open before its fee can be refunded (default 3600)",
      secondsOption("--request-ttl"),
    )
    .option(
      "--max-callback-gas <gas>",
      "with --request-hub: the most callback gas a request may ask for (default 1000000)",
      intOption("--max-callback-gas", 21_000, 30_000_000),
    );
}

export function defineDeploy(program: Command): void {
  const cmd = program
    .command("deploy")
    .summary("deploy the verifier and the protocol; record their addresses")
    .description(
      "deploy the shared Groth16 verifier and the AssayProtocol contract (the deployer is admin: the local key " +
        "of --keystore / --key-file, else account 0 of the chain) and record their addresses in " +
        "<state dir>/deployment-<chainId>.json; with --request-hub, also the hub contracts ask for inferences " +
        "through (its address is recorded too). The contracts are compiled first if this install has not " +
        "built them yet.",
    );
  addOptions(cmd);
  chainOptions(cmd, { account: false });
  keyOptions(cmd);
  cmd.addHelpText("after", CHAIN_HELP);
  cmd.action(lazyAction(() => import("../actions/deploy.js")));
}

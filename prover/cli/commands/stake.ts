// assay stake <amount>: adds stake to the signing account, so it can sign claims at Signed level
// and post batches. assay unstake: takes it out again, in the protocol's two steps.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { AMOUNT_HELP, amountOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export function defineStake(program: Command): void {
  const cmd = program
    .command("stake")
    .argument("<amount>", `amount to add to the account's active stake (${AMOUNT_HELP})`, amountOption("<amount>"))
    .summary("stake ETH so the signing account can sign claims")
    .description(
      "stake ETH for the signing account (--account): an operator needs the protocol's minimum active stake to " +
        "sign claims (Signed level) and post batches; a refuted claim costs it the slash amount",
    );
  deploymentOptions(cmd);
  cmd.action(lazyAction<[bigint], ChainOptions>(() => import("../actions/stake.js")));
}

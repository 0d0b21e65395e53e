// assay credit [--withdraw]: payouts (won challenge bonds, slashing rewards) are credited, never
// pushed (IOperatorStaking); this shows the signing account's credit and withdraws it.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface CreditOptions extends ChainOptions {
  withdraw?: boolean;
}

export function defineCredit(program: Command): void {
  const cmd = program
    .command("credit")
    .option("--withdraw", "send the credit to the account")
    .summary("show (or withdraw) the account's credit from won challenges and slashing rewards")
    .description(
      "show the signing account's credit: bonds of challenges it won and its share of slashed stake, which " +
        "the protocol credits instead of sending; --withdraw sends it",
    );
  deploymentOptions(cmd);
  cmd.action(lazyAction<[], CreditOptions>(() => import("../actions/credit.js")));
}

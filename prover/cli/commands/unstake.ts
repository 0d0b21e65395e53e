// assay unstake <amount> | --withdraw: stake leaves in two steps (IOperatorStaking): the amount
// stops counting toward the minimum at once and starts unbonding; after the protocol's unbonding
// delay, with no dispute open against the account, --withdraw sends it back.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { AMOUNT_HELP, amountOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface UnstakeOptions extends ChainOptions {
  withdraw?: boolean;
}

export function defineUnstake(program: Command): void {
  const cmd = program
    .command("unstake")
    .argument(
      "[amount]",
      `active stake to start unbonding (${AMOUNT_HELP}); omit with --withdraw`,
      amountOption("<amount>"),
    )
    .option("--withdraw", "send the account its unbonded stake (after the unbonding delay, no dispute open)")
    .summary("move stake to unbonding, or withdraw unbonded stake")
    .description(
      "take stake out in two steps: `assay unstake <amount>` moves it from active to unbonding (it stops counting " +
        "toward the minimum at once, restarts the unbonding clock for everything unbonding, and can still be " +
        "slashed); once the protocol's unbonding delay has passed and no dispute against the account is open, " +
        "`assay unstake --withdraw` sends it back",
    );
  deploymentOptions(cmd);
  cmd.action(lazyAction<[bigint | undefined], UnstakeOptions>(() => import("../actions/unstake.js")));
}

// assay stake <eth>: adds stake to the signing account, so it can sign claims at Signed level and
// post batches.
import type { Command } from "commander";
import { formatEther } from "ethers";
import { withRevertReason } from "../../chain/revert-reason.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { ethOption } from "./chain-parse.js";
import { type ChainOptions, deploymentOptions, withDeployment } from "./chain-options.js";

export function registerStake(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("stake")
    .argument("<eth>", "amount of ETH to add to the account's active stake", ethOption("<eth>"))
    .summary("stake ETH so the signing account can sign claims")
    .description(
      "stake ETH for the signing account (--account): an operator needs the protocol's minimum active stake to " +
        "sign claims (Signed level) and post batches; a refuted claim costs it the slash amount",
    );
  deploymentOptions(cmd);
  cmd.action(async (amount: bigint, o: ChainOptions & GlobalOptions) => {
    const g = { ...globals(), ...o };
    await withDeployment(o, async (conn, d) => {
      const operator = conn.signer.address;
      progress(g, `[stake] ${formatEther(amount)} ETH for ${operator} on chain ${conn.chainId}`);
      const receipt = await withRevertReason("stake", d.ifaces, async () => {
        await d.protocol.stake.staticCall({ value: amount });
        return (await d.protocol.stake({ value: amount })).wait();
      });
      const account = await d.protocol.operatorAccount(operator);
      const staked = await d.protocol.isStaked(operator);
      const minStake = (await d.protocol.protocolParams()).minStake;
      const human = [
        `${operator} staked ${formatEther(amount)} ETH`,
        `  active stake  ${formatEther(account.active)} ETH (minimum ${formatEther(minStake)} ETH): ` +
          (staked ? "can sign claims" : "below the minimum, cannot sign claims yet"),
        account.unbonding > 0n ? `  unbonding     ${formatEther(account.unbonding)} ETH` : "",
      ]
        .filter(Boolean)
        .join("\n");
      result(g, human, {
        operator,
        amount,
        active: account.active,
        unbonding: account.unbonding,
        minStake,
        staked,
        transaction: receipt?.hash,
      });
    });
  });
}

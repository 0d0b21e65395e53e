// assay stake: stake() from the signing account, then its stake record.
import type { OpenDeployment } from "../../chain/open-deployment.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import type { ChainOptions } from "../commands/chain-options.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { formatAmount } from "../parse.js";
import { withDeployment } from "./with-chain.js";

/** An account's stake as the protocol holds it, and whether it may sign claims. */
export interface StakeView {
  operator: string;
  active: bigint;
  unbonding: bigint;
  /** Unix time the unbonding stake can be withdrawn from (0 when nothing is unbonding). */
  unbondingReadyAt: number;
  openDisputes: number;
  minStake: bigint;
  staked: boolean;
}

export async function readStake(d: OpenDeployment, operator: string): Promise<StakeView> {
  const account = await d.protocol.operatorAccount(operator);
  return {
    operator,
    active: account.active,
    unbonding: account.unbonding,
    unbondingReadyAt: Number(account.unbondingReadyAt),
    openDisputes: Number(account.openDisputes),
    minStake: (await d.protocol.protocolParams()).minStake,
    staked: await d.protocol.isStaked(operator),
  };
}

export function describeStake(s: StakeView): string[] {
  const ready = s.unbondingReadyAt ? new Date(s.unbondingReadyAt * 1000).toISOString() : "";
  return [
    `  active stake  ${formatAmount(s.active)} (minimum ${formatAmount(s.minStake)}): ` +
      (s.staked ? "can sign claims" : "below the minimum, cannot sign claims"),
    s.unbonding > 0n ? `  unbonding     ${formatAmount(s.unbonding)}, withdrawable from ${ready}` : "",
    s.openDisputes > 0 ? `  disputes      ${s.openDisputes} open against this account (stake cannot leave)` : "",
  ].filter(Boolean);
}

export async function run(amount: bigint, o: ChainOptions & GlobalOptions): Promise<void> {
  await withDeployment(o, async (conn, d) => {
    const operator = conn.signer.address;
    progress(o, `[stake] ${formatAmount(amount)} for ${operator} on chain ${conn.chainId}`);
    const receipt = await withRevertReason("stake", d.ifaces, async () => {
      await d.protocol.stake.staticCall({ value: amount });
      return (await d.protocol.stake({ value: amount })).wait();
    });
    const s = await readStake(d, operator);
    result(o, [`${operator} staked ${formatAmount(amount)}`, ...describeStake(s)].join("\n"), {
      ...s,
      amount,
      transaction: receipt?.hash,
    });
  });
}

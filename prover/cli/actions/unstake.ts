// assay unstake: requestUnbonding(amount), or withdrawStake() with --withdraw.
import { withRevertReason } from "../../chain/revert-reason.js";
import { InputError } from "../../errors.js";
import type { UnstakeOptions } from "../commands/unstake.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { formatAmount } from "../parse.js";
import { describeStake, readStake } from "./stake.js";
import { withDeployment } from "./with-chain.js";

export async function run(amount: bigint | undefined, o: UnstakeOptions & GlobalOptions): Promise<void> {
  if (amount === undefined && !o.withdraw)
    throw new InputError("give the amount to unbond (assay unstake 1eth), or --withdraw for unbonded stake");
  if (amount !== undefined && o.withdraw)
    throw new InputError("--withdraw takes no amount: it sends everything that finished unbonding");
  await withDeployment(o, async (conn, d) => {
    const operator = conn.signer.address;
    const before = await readStake(d, operator);
    let receipt;
    if (o.withdraw) {
      progress(o, `[unstake] withdrawing ${formatAmount(before.unbonding)} of unbonded stake to ${operator}`);
      receipt = await withRevertReason("withdrawStake", d.ifaces, async () => {
        await d.protocol.withdrawStake.staticCall();
        return (await d.protocol.withdrawStake()).wait();
      });
    } else {
      progress(o, `[unstake] unbonding ${formatAmount(amount!)} of ${operator}'s active stake`);
      receipt = await withRevertReason("requestUnbonding", d.ifaces, async () => {
        await d.protocol.requestUnbonding.staticCall(amount!);
        return (await d.protocol.requestUnbonding(amount!)).wait();
      });
    }
    const s = await readStake(d, operator);
    const head = o.withdraw
      ? `${operator} withdrew ${formatAmount(before.unbonding)}`
      : `${operator} unbonding ${formatAmount(amount!)}`;
    result(o, [head, ...describeStake(s)].join("\n"), {
      ...s,
      withdrawn: o.withdraw ? before.unbonding : undefined,
      requested: amount,
      transaction: receipt?.hash,
    });
  });
}

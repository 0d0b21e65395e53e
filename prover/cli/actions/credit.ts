// assay credit: creditOf(account), and withdrawCredit() with --withdraw.
import { withRevertReason } from "../../chain/revert-reason.js";
import type { CreditOptions } from "../commands/credit.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { formatAmount } from "../parse.js";
import { withDeployment } from "./with-chain.js";

export async function run(o: CreditOptions & GlobalOptions): Promise<void> {
  await withDeployment(o, async (conn, d) => {
    const account = conn.signer.address;
    const credit = await d.protocol.creditOf(account);
    if (!o.withdraw) {
      result(o, `${account} has ${formatAmount(credit)} of credit (withdraw with --withdraw)`, { account, credit });
      return;
    }
    progress(o, `[credit] withdrawing ${formatAmount(credit)} to ${account}`);
    const receipt = await withRevertReason("withdrawCredit", d.ifaces, async () => {
      await d.protocol.withdrawCredit.staticCall();
      return (await d.protocol.withdrawCredit()).wait();
    });
    result(o, `${account} withdrew ${formatAmount(credit)} of credit`, {
      account,
      withdrawn: credit,
      credit: await d.protocol.creditOf(account),
      transaction: receipt?.hash,
    });
  });
}

// "backer" (information only): the stake that backs the claim now, which a refuting proof slashes.
import { formatEther, getAddress } from "ethers";
import { type AuditCheck, check } from "../audit-report.js";
import { type BackerAccount, ZERO_ADDRESS } from "../hub-reads.js";

/** `role` names the backer in the detail ("operator", "enclave key's operator"). */
export function checkBacker(role: string, backer: string, account: BackerAccount | undefined): AuditCheck {
  if (backer === ZERO_ADDRESS || !account)
    return check("backer", "info", `no staked ${role}: nothing can be slashed if a proof refutes the claim`);
  const disputes = account.openDisputes ? `, ${account.openDisputes} open dispute(s)` : "";
  return check(
    "backer",
    "info",
    `${role} ${getAddress(backer)} now has ${formatEther(account.active)} ETH active and ` +
      `${formatEther(account.unbonding)} ETH unbonding stake${disputes}`,
  );
}

// assay deploy: protocol parameters checked, an existing live deployment kept unless --force.
import { existsSync, readFileSync } from "node:fs";
import type { ChainConnection } from "../../chain/chain-connection.js";
import { deploymentPath, writeDeployment } from "../../chain/deployment-file.js";
import { defaultParams, deployAssay, type Deployment, type ProtocolParams } from "../../chain/protocol-client.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import { InputError } from "../../errors.js";
import type { DeployOptions } from "../commands/deploy.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { formatAmount } from "../parse.js";
import { withChain } from "./with-chain.js";

type Opts = DeployOptions & GlobalOptions;

/** The protocol parameters: defaults, each option over them, and the unbonding delay checked. */
function paramsOf(o: Opts, deployer: string): ProtocolParams {
  const p: ProtocolParams = { ...defaultParams(o.treasury ?? deployer) };
  if (o.minStake !== undefined) p.minStake = o.minStake;
  if (o.challengeBond !== undefined) p.challengeBond = o.challengeBond;
  if (o.slashAmount !== undefined) p.slashAmount = o.slashAmount;
  if (o.challengeWindow !== undefined) p.challengeWindow = o.challengeWindow;
  if (o.responseWindow !== undefined) p.responseWindow = o.responseWindow;
  if (o.unbondingDelay !== undefined) p.unbondingDelay = o.unbondingDelay;
  const minimum = 2 * p.challengeWindow + p.responseWindow;
  if (p.unbondingDelay <= minimum) {
    const which =
      o.unbondingDelay === undefined
        ? `the default unbonding delay ${p.unbondingDelay}`
        : `--unbonding-delay ${p.unbondingDelay}`;
    throw new InputError(`${which} must exceed 2 x challenge window + response window = ${minimum} seconds`);
  }
  return p;
}

/** Refuses to replace a recorded deployment that is still live on a persistent chain (unless --force). */
async function checkNoLiveDeployment(conn: ChainConnection, o: Opts): Promise<void> {
  const file = deploymentPath(conn.chainId, o.stateDir);
  if (conn.ephemeral || o.force || !existsSync(file)) return;
  const old = JSON.parse(readFileSync(file, "utf8")) as { protocol?: string };
  if (old.protocol && (await conn.ethers.provider.getCode(old.protocol)) !== "0x") {
    throw new InputError(
      `chain ${conn.chainId} already has a deployment (protocol ${old.protocol}, ${file}): ` +
        "pass --force to deploy another",
    );
  }
}

function describeDeployment(d: Deployment, p: ProtocolParams, label: string, written: string | undefined): string {
  return [
    `deployed on chain ${d.chainId} (${label})`,
    `  protocol   ${d.protocol}`,
    `  verifier   ${d.verifier}`,
    `  admin      ${d.deployer}`,
    `  params     min stake ${formatAmount(p.minStake)}, challenge bond ${formatAmount(p.challengeBond)}, ` +
      `slash ${formatAmount(p.slashAmount)}, windows ${p.challengeWindow}s / ${p.responseWindow}s, ` +
      `unbonding ${p.unbondingDelay}s`,
    written
      ? `  recorded   ${written}`
      : "  not recorded: the embedded network ends with this command; deploy to a persistent chain with --rpc <url>",
  ].join("\n");
}

export async function run(o: Opts): Promise<void> {
  await withChain(o, async (conn) => {
    const deployer = conn.signer.address;
    const p = paramsOf(o, deployer);
    await checkNoLiveDeployment(conn, o);
    progress(
      o,
      `[deploy] verifier, libraries and AssayProtocol on chain ${conn.chainId} (${conn.label}) from ${deployer}`,
    );
    const before = await conn.ethers.provider.getBlockNumber();
    const probe = await conn.ethers.getContractAt("AssayProtocol", deployer);
    const d = await withRevertReason("deploy", [probe.interface], () => deployAssay(conn.ethers, p, conn.signer));
    const record = { ...d, blockNumber: before + 1 };
    const written = conn.ephemeral ? undefined : await writeDeployment(record, o.stateDir);
    result(o, describeDeployment(d, p, conn.label, written), {
      ...record,
      params: p,
      file: written ?? null,
      ephemeral: conn.ephemeral,
    });
  });
}

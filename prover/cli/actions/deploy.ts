// assay deploy: protocol parameters checked, an existing live deployment kept unless --force;
// with --request-hub, the request hub (and its Poseidon) on the new protocol.
import { existsSync, readFileSync } from "node:fs";
import { AssayProtocol__factory } from "../../../types/ethers-contracts/factories/protocol/index.js";
import type { ChainConnection } from "../../chain/chain-connection.js";
import { type DeploymentRecord, deploymentPath, writeDeployment } from "../../chain/deployment-file.js";
import { defaultParams, deployAssay, type Deployment, type ProtocolParams } from "../../chain/protocol-client.js";
import { deployRequestHub } from "../../chain/request-hub.js";
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
  if (!o.requestHub && (o.requestTtl !== undefined || o.maxCallbackGas !== undefined))
    throw new InputError("--request-ttl and --max-callback-gas need --request-hub");
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

function describeDeployment(
  d: DeploymentRecord,
  p: ProtocolParams,
  label: string,
  written: string | undefined,
): string {
  return [
    `deployed on chain ${d.chainId} (${label})`,
    `  protocol   ${d.protocol}`,
    `  verifier   ${d.verifier}`,
    ...(d.requestHub ? [`  requests   ${d.requestHub} (AssayRequestHub; PoseidonT17 ${d.poseidon})`] : []),
    `  admin      ${d.deployer}`,
    `  params     min stake ${formatAmount(p.minStake)}, challenge bond ${formatAmount(p.challengeBond)}, ` +
      `slash ${formatAmount(p.slashAmount)}, windows ${p.challengeWindow}s / ${p.responseWindow}s, ` +
      `unbonding ${p.unbondingDelay}s`,
    written
      ? `  recorded   ${written}`
      : "  not recorded: the embedded network ends with this command; deploy to a persistent chain with --rpc <url>",
  ].join("\n");
}

/** With --request-hub: the hub and its Poseidon, deployed on `d`'s protocol. */
async function requestHubOf(conn: ChainConnection, o: Opts, d: Deployment) {
  if (!o.requestHub) return {};
  progress(o, "[deploy] PoseidonT17 (with its constants) and AssayRequestHub");
  const { hub, poseidon } = await deployRequestHub(conn.ethers, d.protocol, {
    requestTtl: o.requestTtl,
    maxCallbackGas: o.maxCallbackGas,
    signer: conn.signer,
  });
  return { requestHub: hub, poseidon };
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
    const iface = AssayProtocol__factory.createInterface();
    const d = await withRevertReason("deploy", [iface], () => deployAssay(conn.ethers, p, conn.signer));
    const record: DeploymentRecord = { ...d, blockNumber: before + 1, ...(await requestHubOf(conn, o, d)) };
    const written = conn.ephemeral ? undefined : await writeDeployment(record, o.stateDir);
    result(o, describeDeployment(record, p, conn.label, written), {
      ...record,
      params: p,
      file: written ?? null,
      ephemeral: conn.ephemeral,
    });
  });
}

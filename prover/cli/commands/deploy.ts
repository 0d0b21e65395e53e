// assay deploy: the shared Groth16 verifier and AssayProtocol (with its linked libraries); writes
// <state dir>/deployment-<chainId>.json so later commands find them.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ChainConnection } from "../../chain/chain-connection.js";
import { getAddress, isAddress } from "ethers";
import { deploymentPath, writeDeployment } from "../../chain/deployment-file.js";
import { defaultParams, deployAssay, type Deployment, type ProtocolParams } from "../../chain/protocol-client.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import { InputError } from "../../errors.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { CHAIN_HELP, type ChainOptions, chainOptions, keyOptions, withChain } from "./chain-options.js";
import { ethOption, secondsOption } from "./chain-parse.js";

interface Opts extends GlobalOptions, ChainOptions {
  minStake?: bigint;
  challengeBond?: bigint;
  slashAmount?: bigint;
  challengeWindow?: number;
  responseWindow?: number;
  unbondingDelay?: number;
  treasury?: string;
  force?: boolean;
}

function addOptions(cmd: Command): Command {
  return cmd
    .option("--min-stake <eth>", "active stake an operator needs to sign claims (default 1)", ethOption("--min-stake"))
    .option("--challenge-bond <eth>", "bond a challenge sends (default 0.1)", ethOption("--challenge-bond"))
    .option("--slash-amount <eth>", "stake a refuted claim costs its backer (default 1)", ethOption("--slash-amount"))
    .option(
      "--challenge-window <seconds>",
      "how long Signed/Attested claims can be challenged (default 3600)",
      secondsOption("--challenge-window"),
    )
    .option(
      "--response-window <seconds>",
      "how long a backer has to answer a challenge (default 3600)",
      secondsOption("--response-window"),
    )
    .option(
      "--unbonding-delay <seconds>",
      "delay before unbonded stake can leave; > 2 x challenge + response window (default 14400)",
      secondsOption("--unbonding-delay"),
    )
    .option("--treasury <address>", "receives the treasury's share of slashed stake (default: the deployer)")
    .option("--force", "deploy even when this chain already has a recorded deployment (the file is replaced)");
}

/** The protocol parameters: defaults, each option over them, and the unbonding delay checked. */
function paramsOf(o: Opts, deployer: string): ProtocolParams {
  const p: ProtocolParams = { ...defaultParams(o.treasury ? getAddress(o.treasury) : deployer) };
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
    `  params     min stake ${p.minStake} wei, challenge bond ${p.challengeBond} wei, ` +
      `windows ${p.challengeWindow}s / ${p.responseWindow}s, unbonding ${p.unbondingDelay}s`,
    written
      ? `  recorded   ${written}`
      : "  not recorded: the embedded network ends with this command; deploy to a persistent chain with --rpc <url>",
  ].join("\n");
}

export function registerDeploy(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("deploy")
    .summary("deploy the verifier and the protocol; record their addresses")
    .description(
      "deploy the shared Groth16 verifier and the AssayProtocol contract (the deployer is admin: the local key " +
        "of --keystore / --key-file, else account 0 of the chain) and record their addresses in " +
        "<state dir>/deployment-<chainId>.json",
    );
  addOptions(cmd);
  chainOptions(cmd, { account: false });
  keyOptions(cmd);
  cmd.addHelpText("after", CHAIN_HELP);
  cmd.action(async (o: Opts) => {
    const g = { ...globals(), ...o };
    if (o.treasury !== undefined && !isAddress(o.treasury))
      throw new InputError(`--treasury ${o.treasury} is not an address`);
    await withChain(o, async (conn) => {
      const deployer = conn.signer.address;
      const p = paramsOf(o, deployer);
      await checkNoLiveDeployment(conn, o);
      progress(
        g,
        `[deploy] verifier, libraries and AssayProtocol on chain ${conn.chainId} (${conn.label}) from ${deployer}`,
      );
      const before = await conn.ethers.provider.getBlockNumber();
      const probe = await conn.ethers.getContractAt("AssayProtocol", deployer);
      const d = await withRevertReason("deploy", [probe.interface], () => deployAssay(conn.ethers, p, conn.signer));
      const record = { ...d, blockNumber: before + 1 };
      const written = conn.ephemeral ? undefined : await writeDeployment(record, o.stateDir);
      result(g, describeDeployment(d, p, conn.label, written), {
        ...record,
        params: p,
        file: written ?? null,
        ephemeral: conn.ephemeral,
      });
    });
  });
}

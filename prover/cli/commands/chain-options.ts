// Options every chain command shares (definitions only: the connection itself is made by the
// command's action, prover/cli/actions/with-chain.ts).
import type { Command } from "commander";
import type { ChainSelection } from "../../chain/chain-connection.js";
import type { DeploymentSelection } from "../../chain/open-deployment.js";

export interface ChainOptions extends ChainSelection, DeploymentSelection {}

export const CHAIN_HELP = `
Chain selection:
  --rpc <url>        a JSON-RPC endpoint (e.g. \`npx hardhat node\` at http://127.0.0.1:8545); accounts are the
                     node's own, the key in $ASSAY_PRIVATE_KEY, or a local key (below)
  --keystore <file>  sign with this encrypted JSON keystore (password: --password-file or
                     $ASSAY_KEYSTORE_PASSWORD); create one with \`assay key new\`
  --key-file <file>  sign with the hex private key in this file (mode 0600)
  --network <name>   a network of hardhat.config.ts
  (neither)          the embedded Hardhat network: it starts empty and ends with the command, so it only
                     serves commands that need no earlier state
Deployments are found in <state dir>/deployment-<chainId>.json (state dir: --state-dir, $ASSAY_STATE_DIR,
else .assay/), written by \`assay deploy\`. Amounts are wei, or a decimal with a unit: 0.5eth, 12gwei.`;

/** Adds --rpc, --network and --account. */
export function chainOptions(cmd: Command, opts: { account?: boolean } = {}): Command {
  cmd.option("--rpc <url>", "JSON-RPC url of the chain (default: the embedded Hardhat network)");
  cmd.option("--network <name>", "a network from hardhat.config.ts");
  if (opts.account !== false) {
    cmd.option("--account <index|address>", "which of the node's accounts signs (default 0)");
    keyOptions(cmd);
  }
  cmd.option("--state-dir <dir>", "where deployment files live (default $ASSAY_STATE_DIR or .assay/)");
  return cmd;
}

/** Adds --keystore, --password-file and --key-file (a local signing key: prover/chain/keys.ts). */
export function keyOptions(cmd: Command): Command {
  cmd.option("--keystore <file>", "sign with this encrypted JSON keystore (held by this process, not the endpoint)");
  cmd.option("--password-file <file>", "the keystore's password (first line; default $ASSAY_KEYSTORE_PASSWORD)");
  cmd.option("--key-file <file>", "sign with the hex private key in this file (mode 0600)");
  return cmd;
}

/** Adds chainOptions plus --deployment and --protocol. */
export function deploymentOptions(cmd: Command): Command {
  chainOptions(cmd);
  cmd.option("--deployment <file>", "a deployment file to use instead of <state dir>/deployment-<chainId>.json");
  cmd.option("--protocol <address>", "the AssayProtocol address (instead of a deployment file)");
  cmd.addHelpText("after", CHAIN_HELP);
  return cmd;
}

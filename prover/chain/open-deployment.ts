// The deployment a chain command works on, attached with the connection's signer: from the state
// dir's deployment file for the connected chain, a named file, or a protocol address.
import type { Interface } from "ethers";
import { getAddress, isAddress } from "ethers";
import { AssayProtocol__factory } from "../../types/ethers-contracts/factories/protocol/index.js";
import type { ChainConnection } from "./chain-connection.js";
import { type DeploymentRecord, readDeployment } from "./deployment-file.js";
import { attach, DeploymentError } from "./protocol-client.js";

export interface DeploymentSelection {
  /** State dir holding deployment-<chainId>.json. */
  stateDir?: string;
  /** A deployment file to use instead. */
  deployment?: string;
  /** The protocol's address (its verifier is read from it). */
  protocol?: string;
}

export type Attached = Awaited<ReturnType<typeof attach>>;

export interface OpenDeployment extends Attached {
  deployment: DeploymentRecord;
  /** Interfaces whose custom errors a revert may carry. */
  ifaces: Interface[];
}

export async function openDeployment(conn: ChainConnection, sel: DeploymentSelection): Promise<OpenDeployment> {
  let d: DeploymentRecord;
  if (sel.protocol) {
    if (!isAddress(sel.protocol)) throw new DeploymentError(`--protocol ${sel.protocol} is not an address`);
    const protocol = getAddress(sel.protocol);
    if ((await conn.ethers.provider.getCode(protocol)) === "0x") {
      throw new DeploymentError(`no contract at protocol address ${protocol} on chain ${conn.chainId}`);
    }
    const hub = AssayProtocol__factory.connect(protocol, conn.ethers.provider);
    let verifier: string;
    try {
      verifier = await hub.verifier();
    } catch {
      throw new DeploymentError(`${protocol} on chain ${conn.chainId} is not an AssayProtocol`);
    }
    d = {
      format: "assay.deployment",
      version: 1,
      chainId: conn.chainId.toString(),
      verifier,
      protocol,
      deployer: "",
      deployedAt: "",
    };
  } else {
    if (conn.ephemeral && !sel.deployment) {
      throw new DeploymentError(
        `${conn.label} starts empty in every process, so it has no deployment: ` +
          "run against a persistent chain with --rpc <url> (e.g. `npx hardhat node`)",
      );
    }
    d = readDeployment(conn.chainId, { dir: sel.stateDir, file: sel.deployment });
  }
  const attached = await attach(conn.ethers, d, conn.signer);
  return { ...attached, deployment: d, ifaces: [attached.protocol.interface, attached.verifier.interface] };
}

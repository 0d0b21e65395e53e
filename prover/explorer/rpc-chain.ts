// The chain `assay explorer` reads: a JSON-RPC url (any endpoint, accounts or not: the explorer
// only reads) and the deployment on it (a protocol address, a deployment file, or the state dir's
// file for the chain), with the contracts' typed factories. No Hardhat.
import { Contract, getAddress, isAddress, type JsonRpcProvider } from "ethers";
import { AssayProtocol__factory } from "../../types/ethers-contracts/factories/protocol/index.js";
import { Groth16Verifier__factory } from "../../types/ethers-contracts/factories/verifier/index.js";
import { rpcChainId, rpcProvider } from "../chain/chain-connection.js";
import { type DeploymentRecord, readDeployment } from "../chain/deployment-file.js";
import { AssayError } from "../errors.js";
import type { ExplorerChain } from "./chain-reads.js";

export class ExplorerChainError extends AssayError {}

export interface RpcChainOptions {
  rpc: string;
  protocol?: string;
  deployment?: string;
  stateDir?: string;
  /** First block of log scans (default: the deployment file's block, else 0). */
  fromBlock?: number;
  logRange?: number;
  recentBlocks?: number;
}

async function deploymentOf(provider: JsonRpcProvider, chainId: bigint, o: RpcChainOptions): Promise<DeploymentRecord> {
  if (o.protocol === undefined) return readDeployment(chainId, { dir: o.stateDir, file: o.deployment });
  if (!isAddress(o.protocol)) throw new ExplorerChainError(`--protocol ${o.protocol} is not an address`);
  const protocol = getAddress(o.protocol);
  if ((await provider.getCode(protocol)) === "0x")
    throw new ExplorerChainError(`no contract at protocol address ${protocol} on chain ${chainId}`);
  const hub = new Contract(protocol, ["function verifier() view returns (address)"], provider);
  let verifier: string;
  try {
    verifier = getAddress(await hub.verifier());
  } catch {
    throw new ExplorerChainError(`${protocol} on chain ${chainId} is not an AssayProtocol`);
  }
  const now = new Date().toISOString();
  return {
    format: "assay.deployment",
    version: 1,
    chainId: `${chainId}`,
    protocol,
    verifier,
    deployer: "",
    deployedAt: now,
  };
}

/** Connects to `o.rpc` and opens the deployment; `close()` stops the provider. */
export async function openRpcChain(
  o: RpcChainOptions,
): Promise<{ chain: ExplorerChain; deployment: DeploymentRecord; close(): void }> {
  const chainId = await rpcChainId(o.rpc);
  const provider = rpcProvider(o.rpc, chainId);
  try {
    const deployment = await deploymentOf(provider, chainId, o);
    if ((await provider.getCode(deployment.protocol)) === "0x")
      throw new ExplorerChainError(`no contract at protocol address ${deployment.protocol} on chain ${chainId}`);
    const protocol = new Contract(deployment.protocol, AssayProtocol__factory.abi, provider);
    const verifier = new Contract(deployment.verifier, Groth16Verifier__factory.abi, provider);
    const chain: ExplorerChain = {
      provider,
      chainId,
      protocol,
      verifier,
      fromBlock: o.fromBlock ?? deployment.blockNumber ?? 0,
      logRange: o.logRange,
      recentBlocks: o.recentBlocks,
    };
    return { chain, deployment, close: () => provider.destroy() };
  } catch (e) {
    provider.destroy();
    throw e;
  }
}

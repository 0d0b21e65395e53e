// The chain `assay explorer` reads: a JSON-RPC url (any endpoint, accounts or not: the explorer
// only reads) and the deployment on it (a protocol address, a deployment file, or the state dir's
// file for the chain), with the contracts' ABIs from their compiled artifacts. No Hardhat.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Contract, getAddress, type InterfaceAbi, isAddress, JsonRpcProvider, Network } from "ethers";
import { PROJECT_ROOT } from "../artifacts.js";
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

async function abiOf(source: string, name: string): Promise<InterfaceAbi> {
  const file = path.join(PROJECT_ROOT, "artifacts", "contracts", source, `${name}.json`);
  try {
    return (JSON.parse(await readFile(file, "utf8")) as { abi: InterfaceAbi }).abi;
  } catch (e) {
    throw new ExplorerChainError(
      `cannot read the ${name} ABI from ${path.relative(PROJECT_ROOT, file)} (build the contracts: ` +
        `npx hardhat build): ${(e as Error).message.split("\n")[0]}`,
    );
  }
}

/** The chain id the endpoint reports (one plain request, so an unreachable url fails at once). */
async function chainIdOf(rpc: string): Promise<bigint> {
  let u: URL;
  try {
    u = new URL(rpc);
  } catch {
    throw new ExplorerChainError(`--rpc ${rpc} is not a url`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new ExplorerChainError(`--rpc ${rpc}: only http(s) JSON-RPC urls are supported`);
  try {
    const res = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { result?: string; error?: { message?: string } };
    if (!body.result) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    return BigInt(body.result);
  } catch (e) {
    throw new ExplorerChainError(`cannot reach --rpc ${rpc}: ${(e as Error).message.split("\n")[0]}`);
  }
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
  const chainId = await chainIdOf(o.rpc);
  const provider = new JsonRpcProvider(o.rpc, Network.from(chainId), { staticNetwork: true });
  try {
    const deployment = await deploymentOf(provider, chainId, o);
    if ((await provider.getCode(deployment.protocol)) === "0x")
      throw new ExplorerChainError(`no contract at protocol address ${deployment.protocol} on chain ${chainId}`);
    const protocol = new Contract(
      deployment.protocol,
      await abiOf("protocol/AssayProtocol.sol", "AssayProtocol"),
      provider,
    );
    const verifier = new Contract(
      deployment.verifier,
      await abiOf("verifier/Groth16Verifier.sol", "Groth16Verifier"),
      provider,
    );
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

// The explorer as a node serves it at /ui: the node's chain and deployment, and (on a node without
// API keys, whose claim list is open anyway) the node's own records of the claims it made.
import type { FastifyPluginAsync } from "fastify";
import type { ChainEthers } from "../chain/chain-ethers.js";
import type { DeploymentRecord } from "../chain/deployment-file.js";
import { attach } from "../chain/protocol-client.js";
import type { NodeRecords } from "./claim-data.js";
import { explorerRoutes } from "./routes.js";

export interface NodeExplorerOptions {
  ethers: ChainEthers;
  deployment: DeploymentRecord;
  /** The node's records; leave out on a node with API keys (its records are each caller's own). */
  records?: NodeRecords;
  chainLabel: string;
  logRange?: number;
}

/** The /ui plugin for NodeServerOptions.ui. */
export async function nodeExplorer(o: NodeExplorerOptions): Promise<FastifyPluginAsync> {
  const { protocol, verifier } = await attach(o.ethers, o.deployment);
  return explorerRoutes({
    chain: {
      provider: o.ethers.provider,
      chainId: BigInt(o.deployment.chainId),
      protocol,
      verifier,
      fromBlock: o.deployment.blockNumber ?? 0,
      logRange: o.logRange,
    },
    records: o.records,
    chainLabel: o.chainLabel,
  });
}

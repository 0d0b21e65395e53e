// assay explorer: opens the chain and deployment (no account needed), serves the pages, and on
// SIGINT / SIGTERM closes the server and the provider and exits 0.
import { startExplorer } from "../../explorer/explorer-server.js";
import { openRpcChain } from "../../explorer/rpc-chain.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { ExplorerCommandOptions } from "../commands/explorer.js";
import { type GlobalOptions, progress, result } from "../output.js";

export async function run(o: ExplorerCommandOptions & GlobalOptions): Promise<void> {
  const { chain, deployment, close } = await openRpcChain(o);
  let started;
  try {
    started = await startExplorer({
      chain,
      host: o.host,
      port: o.port,
      chainLabel: `chain ${chain.chainId} at ${o.rpc}`,
    });
  } catch (e) {
    close();
    throw e;
  }
  const { app, url } = started;
  progress(o, `assay explorer on ${url} (chain ${chain.chainId}, protocol ${deployment.protocol}); Ctrl-C stops it`);
  result(o, url, { url, chainId: chain.chainId.toString(), protocol: deployment.protocol });
  const stop = async () => {
    await app.close();
    close();
    await releaseCurve();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

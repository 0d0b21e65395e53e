// assay explorer --rpc <url>: serves the explorer's web pages (prover/explorer) for one deployment
// until interrupted. Read-only: it needs no account and signs nothing. Its work is in
// ../actions/explorer.ts, loaded only when the command runs.
import type { Command } from "commander";
import type { GlobalOptions } from "../output.js";
import { intOption } from "../parse.js";

export interface ExplorerCommandOptions {
  rpc: string;
  protocol?: string;
  deployment?: string;
  stateDir?: string;
  port: number;
  host: string;
  fromBlock?: number;
  logRange: number;
  recentBlocks: number;
}

const DESCRIPTION =
  "Serve web pages for auditors, read from the chain at every load: recent claims by the level they stand at; " +
  "each claim's audit (the checks of `assay audit`, green or red, with the evidence each read: transactions, " +
  "verifying key, setup provenance, proof, enclave key and attestation hash, batch path); models with their " +
  "versions and setup; operators with their stake, enclave keys and disputes. The node serves the same pages " +
  "at /ui. Pages load nothing from elsewhere and run no script. Prints the url on stdout; Ctrl-C stops it.";

export function defineExplorer(program: Command): void {
  program
    .command("explorer")
    .summary("serve web pages for auditors: recent claims, each claim's audit, models, operators")
    .description(DESCRIPTION)
    .requiredOption("--rpc <url>", "JSON-RPC url of the chain (a node's <url>/rpc works too)")
    .option("--protocol <address>", "the AssayProtocol address (instead of a deployment file)")
    .option("--deployment <file>", "a deployment file to use instead of <state dir>/deployment-<chainId>.json")
    .option("--state-dir <dir>", "where deployment files live (default $ASSAY_STATE_DIR or .assay/)")
    .option("--port <n>", "port to listen on (0: any free port)", intOption("--port", 0, 65535), 8547)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--from-block <n>",
      "first block of log scans (default: the deployment file's block, else 0)",
      intOption("--from-block", 0, Number.MAX_SAFE_INTEGER),
    )
    .option("--log-range <blocks>", "blocks per eth_getLogs call", intOption("--log-range", 1, 10_000_000), 10_000)
    .option(
      "--recent-blocks <n>",
      "the front page lists claims with events in this many blocks before the head",
      intOption("--recent-blocks", 1, Number.MAX_SAFE_INTEGER),
      100_000,
    )
    .action(async (_o: unknown, cmd: Command) => {
      const { run } = await import("../actions/explorer.js");
      await run(cmd.optsWithGlobals<ExplorerCommandOptions & GlobalOptions>());
    });
}

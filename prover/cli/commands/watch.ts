// assay watch: defends the claims of a node while the node itself is not running. It reads what
// `assay node start --state-dir <dir>` left there (node.json: chain, deployment, models, and the
// claim records with their inputs and salts), follows the protocol's ClaimChallenged events from
// the saved cursor (prover/node/challenge-watcher.ts; the node's watcher uses the same file, so
// each continues where the other stopped), and answers every challenge of one of those claims
// with a proof of the claimed output before the response deadline. Proof jobs are the node's
// (its database: SQLite in the data dir, or --db) and resume after a restart. --once scans,
// defends what is open, and exits.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { intOption } from "../parse.js";

export interface WatchOptions {
  rpc?: string;
  network?: string;
  account?: string;
  stateDir?: string;
  fromBlock?: number;
  once?: boolean;
  pollInterval: number;
  confirmations: number;
  verbose?: boolean;
  db?: string;
}

const HELP = `
What it does:
  A challenged Signed or Attested claim is lost (its backer slashed, the challenger paid) unless a
  proof of the claimed output reaches the chain before the response deadline. \`assay node start\`
  defends its own claims while it runs; \`assay watch\` does it when the node is down, from the same
  state directory: it reads node.json and the claim records (inputs and salts) the node wrote,
  follows ClaimChallenged events from the saved cursor (else from --from-block, else the start of
  the last response window), and submits the proof from the signing account (the node's operator
  when the chain holds its key, else --account), which receives the challenger's bond. The chain is
  the node's (from node.json) unless --rpc or --network says otherwise. Do not run it beside a live
  node on the same state directory.

Examples:
  assay watch --rpc http://127.0.0.1:8545 --state-dir ./node-state
  assay watch --rpc $RPC --state-dir ./node-state --once --from-block 1200000 --json
With --rpc, accounts are the JSON-RPC node's own, or the key in $ASSAY_PRIVATE_KEY.`;

export function defineWatch(program: Command): void {
  const cmd = program
    .command("watch")
    .summary("defend a node's challenged claims with proofs (while the node is down)")
    .description(
      "follow ClaimChallenged events and answer each challenge of a claim made by the node of --state-dir " +
        "with a proof of the claimed output, before its response deadline",
    )
    .option(
      "--from-block <n>",
      "scan from this block (default: the saved cursor)",
      intOption("--from-block", 0, 2 ** 53 - 1),
    )
    .option("--once", "scan, defend what is open, report, and exit (exit 1 if a defence did not land)")
    .option("--poll-interval <ms>", "time between scans", intOption("--poll-interval", 50, 3_600_000), 2000)
    .option("--confirmations <n>", "blocks to stay behind the head", intOption("--confirmations", 0, 10_000), 0)
    .option("--verbose", "also report challenges of other claims (ignored)")
    .option("--rpc <url>", "JSON-RPC url of the chain (default: the node's, from node.json)")
    .option("--network <name>", "a network from hardhat.config.ts (instead of --rpc)")
    .option(
      "--account <index|address>",
      "which account sends the defences and receives the bonds (default: the node's operator if the chain " +
        "holds its key, else account 0)",
    )
    .option("--state-dir <dir>", "the node's state directory, holding node.json (default $ASSAY_STATE_DIR or .assay/)")
    .option("--db <url>", "the node's database when it is not the embedded one (postgres://...)");
  cmd.addHelpText("after", HELP);
  cmd.action(lazyAction(() => import("../actions/watch.js")));
}

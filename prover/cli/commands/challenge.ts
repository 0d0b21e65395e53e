// assay challenge <claimId>: disputes a Signed or Attested claim (IClaimDisputes): commits, then
// in a later block reveals with the protocol's bond. The backer must answer with a proof of the
// claimed output before the response deadline; if it does not, `--resolve` settles the challenge
// (the backer is slashed, the challenger gets its bond back and a share, as credit).
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";
import { bytes32Option } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface ChallengeOptions extends ChainOptions {
  resolve?: boolean;
}

const HELP = `
A challenge costs the protocol's challenge bond (shown by \`assay deploy\`) and wins when the backer does
not prove the claimed output within the response window:
  assay challenge <claimId> --rpc $RPC                 commit, then reveal with the bond
  assay challenge <claimId> --resolve --rpc $RPC       after the response deadline: slash the backer
  assay credit --withdraw --rpc $RPC                   collect the bond and the reward
A claim whose output a proof contradicts can be refuted at once with that proof (the node and
\`assay watch\` defend their own claims the same way).`;

export function defineChallenge(program: Command): void {
  const cmd = program
    .command("challenge")
    .argument("<claimId>", "the Signed or Attested claim (bytes32)", bytes32Option("<claimId>"))
    .option("--resolve", "settle an unanswered challenge after its response deadline (slashes the backer)")
    .summary("challenge a Signed or Attested claim (commit, reveal with the bond), or --resolve it")
    .description(
      "challenge a Signed or Attested claim within its challenge window: commit, wait for a later block, " +
        "reveal with the protocol's bond. The claim's backer must answer with a proof of the claimed output " +
        "before the response deadline; once it has passed unanswered, --resolve slashes the backer and credits " +
        "the challenger (withdraw with `assay credit --withdraw`)",
    );
  deploymentOptions(cmd);
  cmd.addHelpText("after", HELP);
  cmd.action(lazyAction<[string], ChallengeOptions>(() => import("../actions/challenge.js")));
}

// assay key new: creates a signing key for a real chain as an encrypted JSON keystore (0600), the
// file `--keystore` takes. The password comes from --password-file or $ASSAY_KEYSTORE_PASSWORD:
// never from the command line, where other users could read it in the process list.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";

export interface KeyNewOptions {
  passwordFile?: string;
}

/** prover/chain/keys.ts's KEYSTORE_PASSWORD_ENV (not imported: it loads ethers). */
export const HELP_PASSWORD_ENV = "ASSAY_KEYSTORE_PASSWORD";

const HELP = `
The keystore is the Web3 Secret Storage format (scrypt + AES-128-CTR) that ethers, geth and
foundry read and write. Fund the printed address, then use it with any chain command:
  assay key new ./operator.json --password-file ./operator.pw
  assay stake 2eth --rpc $RPC --keystore ./operator.json --password-file ./operator.pw
  assay node start --rpc $RPC --keystore ./operator.json --password-file ./operator.pw ...
Keep the file and its password apart; anyone with both controls the account.`;

export function defineKey(program: Command): void {
  const key = program.command("key").description("create signing keys for real chains");
  key
    .command("new")
    .argument("<file>", "where to write the encrypted keystore (must not exist)")
    .description("create a new random key, encrypted with a password, and print its address")
    .option("--password-file <file>", `the password (first line); default $${HELP_PASSWORD_ENV}`)
    .addHelpText("after", HELP)
    .action(lazyAction(() => import("../actions/key-new.js")));
}

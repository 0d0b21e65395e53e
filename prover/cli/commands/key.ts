// assay key new: creates a signing key for a real chain as an encrypted JSON keystore (0600), the
// file `--keystore` takes. The password comes from --password-file or $ASSAY_KEYSTORE_PASSWORD:
// never from the command line, where other users could read it in the process list.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { createKeystore, KEYSTORE_PASSWORD_ENV } from "../../chain/keys.js";
import { InputError } from "../../errors.js";
import { type GlobalOptions, progress, result } from "../output.js";

interface Opts extends GlobalOptions {
  passwordFile?: string;
}

const HELP = `
The keystore is the Web3 Secret Storage format (scrypt + AES-128-CTR) that ethers, geth and
foundry read and write. Fund the printed address, then use it with any chain command:
  assay key new ./operator.json --password-file ./operator.pw
  assay stake 2 --rpc $RPC --keystore ./operator.json --password-file ./operator.pw
  assay node start --rpc $RPC --keystore ./operator.json --password-file ./operator.pw ...
Keep the file and its password apart; anyone with both controls the account.`;

export function registerKey(program: Command, globals: () => GlobalOptions): void {
  const key = program.command("key").description("create signing keys for real chains");
  key
    .command("new")
    .argument("<file>", "where to write the encrypted keystore (must not exist)")
    .description("create a new random key, encrypted with a password, and print its address")
    .option("--password-file <file>", `the password (first line); default $${KEYSTORE_PASSWORD_ENV}`)
    .addHelpText("after", HELP)
    .action(async (file: string, o: Opts) => {
      const g = { ...globals(), ...o };
      let password: string | undefined;
      if (o.passwordFile !== undefined) {
        try {
          password = readFileSync(o.passwordFile, "utf8").split(/\r?\n/)[0];
        } catch (e) {
          throw new InputError(`--password-file ${o.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? e}`);
        }
      } else password = process.env[KEYSTORE_PASSWORD_ENV];
      if (!password) throw new InputError(`a password is needed: --password-file <file> or $${KEYSTORE_PASSWORD_ENV}`);
      progress(g, `[key] encrypting a new key (scrypt: a few seconds)`);
      const address = await createKeystore(file, password);
      result(g, `${address}\n  keystore ${file} (0600): fund this address, then pass --keystore ${file}`, {
        address,
        keystore: file,
      });
    });
}

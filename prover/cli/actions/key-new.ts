// assay key new: a random key in an encrypted keystore (0600).
import { readFileSync } from "node:fs";
import { createKeystore, KEYSTORE_PASSWORD_ENV } from "../../chain/keys.js";
import { InputError } from "../../errors.js";
import type { KeyNewOptions } from "../commands/key.js";
import { type GlobalOptions, result, step } from "../output.js";

export async function run(file: string, o: KeyNewOptions & GlobalOptions): Promise<void> {
  let password: string | undefined;
  if (o.passwordFile !== undefined) {
    try {
      password = readFileSync(o.passwordFile, "utf8").split(/\r?\n/)[0];
    } catch (e) {
      throw new InputError(`--password-file ${o.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  } else password = process.env[KEYSTORE_PASSWORD_ENV];
  if (!password) throw new InputError(`a password is needed: --password-file <file> or $${KEYSTORE_PASSWORD_ENV}`);
  const address = await step(o, "[key] encrypting a new key (scrypt)", () => createKeystore(file, password));
  result(o, `${address}\n  keystore ${file} (0600): fund this address, then pass --keystore ${file}`, {
    address,
    keystore: file,
  });
}

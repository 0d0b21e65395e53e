// Keys for real chains, held by this process and never by the JSON-RPC endpoint: an encrypted
// JSON keystore (the Web3 Secret Storage format ethers, geth and foundry write; its password from
// a file or $ASSAY_KEYSTORE_PASSWORD) or a file holding the hex private key (which, like an ssh
// key, must not be readable by other users). The key signs transactions, claims and typed data
// locally (an ethers Wallet); only signed transactions reach the endpoint.
import { statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { type HDNodeWallet, type Provider, Wallet } from "ethers";
import { AssayError } from "../errors.js";

export const KEYSTORE_PASSWORD_ENV = "ASSAY_KEYSTORE_PASSWORD";

export class KeyError extends AssayError {}

export interface KeySelection {
  /** An encrypted JSON keystore file. */
  keystore?: string;
  /** Its password, in a file (first line); else $ASSAY_KEYSTORE_PASSWORD. */
  passwordFile?: string;
  /** A file holding a 0x-prefixed (or bare) 32-byte hex private key, mode 0600 or stricter. */
  keyFile?: string;
}

export type LocalKey = Wallet | HDNodeWallet;

/** Whether `sel` names a key. */
export function hasKey(sel: KeySelection): boolean {
  return sel.keystore !== undefined || sel.keyFile !== undefined;
}

async function readSecretFile(file: string, what: string): Promise<string> {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new KeyError(`${what} ${file} does not exist`);
  }
  if (!st.isFile()) throw new KeyError(`${what} ${file} is not a file`);
  if (process.platform !== "win32" && (st.mode & 0o077) !== 0)
    throw new KeyError(
      `${what} ${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    );
  return readFile(file, "utf8");
}

async function password(sel: KeySelection, env: NodeJS.ProcessEnv): Promise<string> {
  if (sel.passwordFile !== undefined)
    return (await readSecretFile(sel.passwordFile, "password file")).split(/\r?\n/)[0];
  const fromEnv = env[KEYSTORE_PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  throw new KeyError(
    `keystore ${sel.keystore} needs its password: --password-file <file> or $${KEYSTORE_PASSWORD_ENV}`,
  );
}

/**
 * The key `sel` names, connected to `provider` if given; undefined if it names none.
 * `onProgress` sees the keystore's key derivation (scrypt takes a second or two), 0..1.
 */
export async function loadKey(
  sel: KeySelection,
  o: { provider?: Provider; env?: NodeJS.ProcessEnv; onProgress?: (fraction: number) => void } = {},
): Promise<LocalKey | undefined> {
  if (sel.keystore !== undefined && sel.keyFile !== undefined)
    throw new KeyError("give --keystore or --key-file, not both");
  let wallet: LocalKey;
  if (sel.keyFile !== undefined) {
    const text = (await readSecretFile(sel.keyFile, "key file")).trim();
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text))
      throw new KeyError(`key file ${sel.keyFile} does not hold a 32-byte hex private key (64 hex digits)`);
    wallet = new Wallet(text.startsWith("0x") ? text : `0x${text}`);
  } else if (sel.keystore !== undefined) {
    let json: string;
    try {
      json = await readFile(sel.keystore, "utf8");
      JSON.parse(json);
    } catch (e) {
      throw new KeyError(`keystore ${sel.keystore} cannot be read as JSON: ${(e as Error).message}`);
    }
    const pass = await password(sel, o.env ?? process.env);
    try {
      wallet = await Wallet.fromEncryptedJson(json, pass, o.onProgress);
    } catch (e) {
      const msg = (e as Error).message;
      throw new KeyError(
        /password/i.test(msg)
          ? `wrong password for keystore ${sel.keystore}`
          : `keystore ${sel.keystore} is not an encrypted key: ${msg.split("(")[0].trim()}`,
      );
    }
  } else {
    return undefined;
  }
  return o.provider ? wallet.connect(o.provider) : wallet;
}

/** Writes a new random key to `file` as an encrypted keystore (0600); returns its address. */
export async function createKeystore(
  file: string,
  pass: string,
  onProgress?: (fraction: number) => void,
): Promise<string> {
  if (pass.length < 8) throw new KeyError("a keystore password needs at least 8 characters");
  const wallet = Wallet.createRandom();
  const json = await wallet.encrypt(pass, onProgress);
  await writeFile(file, json, { mode: 0o600, flag: "wx" }).catch((e: NodeJS.ErrnoException) => {
    throw new KeyError(
      e.code === "EEXIST" ? `${file} exists: not overwriting a key` : `cannot write ${file}: ${e.message}`,
    );
  });
  return wallet.address;
}

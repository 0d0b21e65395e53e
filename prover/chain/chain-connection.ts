// Connects to the chain a command names: a JSON-RPC url (`--rpc`), a network of hardhat.config.ts
// (`--network`), or by default the embedded Hardhat network, which lives only as long as this
// process. Hardhat is imported lazily, after the url is in the environment its config reads.
// The signing account is one of the endpoint's own (unlocked dev accounts, or $ASSAY_PRIVATE_KEY
// through Hardhat's config), or a local key from --keystore / --key-file (./keys.ts), which signs in
// this process: the endpoint only ever sees signed transactions.
import path from "node:path";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { getAddress, isAddress, type Signer } from "ethers";
import { PROJECT_ROOT } from "../artifacts.js";
import { AssayError } from "../errors.js";
import { hasKey, type KeySelection, loadKey } from "./keys.js";

/** The network of hardhat.config.ts whose url comes from $ASSAY_RPC_URL. */
export const RPC_NETWORK = "rpc";

export class ChainConnectionError extends AssayError {}

/** Who signs: a Hardhat signer (the endpoint's account) or a local key (ethers Wallet). */
export type ChainSigner = Signer & { readonly address: string };

export interface ChainSelection extends KeySelection {
  /** JSON-RPC url; wins over `network`. */
  rpc?: string;
  /** A network name from hardhat.config.ts. */
  network?: string;
  /** Which account signs: an index into the node's accounts, or one of their addresses. */
  account?: string;
}

export interface ChainConnection {
  ethers: HardhatEthers;
  chainId: bigint;
  /** What was connected, for messages: "embedded", "rpc http://...", "network <name>". */
  label: string;
  /** The embedded network: it starts empty and ends with this process. */
  ephemeral: boolean;
  signer: ChainSigner;
  /** Whether the signer's key is held by this process (--keystore / --key-file, or $ASSAY_PRIVATE_KEY with --rpc). */
  localKey: boolean;
  close(): Promise<void>;
}

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ChainConnectionError(`--rpc ${url} is not a url`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new ChainConnectionError(`--rpc ${url}: only http(s) JSON-RPC urls are supported`);
}

async function pickSigner(
  ethers: HardhatEthers,
  account: string | undefined,
  label: string,
): Promise<HardhatEthersSigner> {
  let signers: HardhatEthersSigner[];
  try {
    signers = await ethers.getSigners();
  } catch (e) {
    throw new ChainConnectionError(`cannot list the accounts of ${label}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (signers.length === 0)
    throw new ChainConnectionError(`${label} has no accounts to sign with (set ASSAY_PRIVATE_KEY for --rpc)`);
  if (account === undefined) return signers[0];
  if (/^\d+$/.test(account)) {
    const i = Number(account);
    if (i >= signers.length)
      throw new ChainConnectionError(`--account ${account}: ${label} has ${signers.length} account(s)`);
    return signers[i];
  }
  if (!isAddress(account)) throw new ChainConnectionError(`--account ${account} is neither an index nor an address`);
  const s = signers.find((x) => x.address === getAddress(account));
  if (!s) throw new ChainConnectionError(`--account ${account} is not an account of ${label}`);
  return s;
}

/** Connects, checks that the chain answers, and picks the signing account. */
export async function connectChain(sel: ChainSelection): Promise<ChainConnection> {
  if (sel.rpc && sel.network) throw new ChainConnectionError("give --rpc or --network, not both");
  if (sel.rpc) {
    checkUrl(sel.rpc);
    process.env.ASSAY_RPC_URL = sel.rpc;
  }
  // Hardhat finds its config upward from the working directory; pin it to this package's, so the
  // contract artifacts are found wherever the command runs.
  process.env.HARDHAT_CONFIG ??= path.join(PROJECT_ROOT, "hardhat.config.ts");
  let network: typeof import("hardhat").network;
  try {
    ({ network } = await import("hardhat"));
  } catch (e) {
    // Config errors list their details on the following lines: keep them on one.
    const msg = (e as Error).message
      .split("\n")
      .map((l) => l.replace(/^\s*\*\s*/, "").trim())
      .filter(Boolean)
      .join(" ");
    const hint = process.env.ASSAY_PRIVATE_KEY ? " (is ASSAY_PRIVATE_KEY a 0x-prefixed 32-byte hex key?)" : "";
    throw new ChainConnectionError(`cannot load Hardhat (${process.env.HARDHAT_CONFIG}): ${msg}${hint}`);
  }
  const name = sel.rpc ? RPC_NETWORK : sel.network;
  const label = sel.rpc ? `rpc ${sel.rpc}` : sel.network ? `network ${sel.network}` : "the embedded network";
  let conn;
  try {
    conn = name ? await network.connect(name) : await network.connect();
  } catch (e) {
    throw new ChainConnectionError(`cannot connect to ${label}: ${(e as Error).message.split("\n")[0]}`);
  }
  let chainId: bigint;
  try {
    chainId = (await conn.ethers.provider.getNetwork()).chainId;
  } catch (e) {
    await conn.close().catch(() => {});
    throw new ChainConnectionError(`cannot reach ${label}: ${(e as Error).message.split("\n")[0]}`);
  }
  const ephemeral = conn.networkConfig.type === "edr-simulated";
  let signer: ChainSigner;
  try {
    if (hasKey(sel)) {
      if (sel.account !== undefined)
        throw new ChainConnectionError("give --account or a key (--keystore / --key-file), not both");
      signer = (await loadKey(sel, { provider: conn.ethers.provider }))!;
    } else {
      signer = await pickSigner(conn.ethers, sel.account, label);
    }
  } catch (e) {
    await conn.close().catch(() => {});
    throw e;
  }
  return {
    ethers: conn.ethers,
    chainId,
    label,
    ephemeral,
    signer,
    localKey: hasKey(sel) || (name === RPC_NETWORK && Boolean(process.env.ASSAY_PRIVATE_KEY)),
    close: () => conn.close(),
  };
}

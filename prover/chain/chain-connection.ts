// Connects to the chain a command names: a JSON-RPC url (`--rpc`), a network of hardhat.config.ts
// (`--network`), or by default the embedded Hardhat network, which lives only as long as this
// process. `--rpc` is plain ethers (an installed package runs it without Hardhat, which is a
// development dependency); the other two import Hardhat lazily.
// The signing account is one of the endpoint's own (unlocked dev accounts, or $ASSAY_PRIVATE_KEY),
// or a local key from --keystore / --key-file (./keys.ts), which signs in this process: the
// endpoint only ever sees signed transactions.
import path from "node:path";
import { getAddress, isAddress, JsonRpcProvider, Network } from "ethers";
import { PROJECT_ROOT } from "../artifacts.js";
import { AssayError } from "../errors.js";
import { type ChainEthers, type ChainSigner, plainEthers } from "./chain-ethers.js";
import { hasKey, type KeySelection, loadKey } from "./keys.js";

export type { ChainSigner } from "./chain-ethers.js";

/** The network of hardhat.config.ts whose url comes from $ASSAY_RPC_URL. */
export const RPC_NETWORK = "rpc";

export class ChainConnectionError extends AssayError {}

export interface ChainSelection extends KeySelection {
  /** JSON-RPC url; wins over `network`. */
  rpc?: string;
  /** A network name from hardhat.config.ts. */
  network?: string;
  /** Which account signs: an index into the node's accounts, or one of their addresses. */
  account?: string;
}

export interface ChainConnection {
  ethers: ChainEthers;
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

/** The chain id `url` reports: one plain request, so an unreachable url fails at once. */
export async function rpcChainId(url: string): Promise<bigint> {
  checkUrl(url);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { result?: string; error?: { message?: string } };
    if (!body.result) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    return BigInt(body.result);
  } catch (e) {
    throw new ChainConnectionError(`cannot reach --rpc ${url}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/**
 * A provider for `url` on chain `chainId`: no network detection loop, no request batching (each
 * call goes out at once, as Hardhat's own HTTP provider sends it), no response cache.
 */
export function rpcProvider(url: string, chainId: bigint, pollingInterval = 500): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval,
  });
}

async function pickSigner(ethers: ChainEthers, account: string | undefined, label: string): Promise<ChainSigner> {
  let signers: ChainSigner[];
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

/** $ASSAY_PRIVATE_KEY, checked (unset or empty: none). */
function envPrivateKey(): string | undefined {
  const key = process.env.ASSAY_PRIVATE_KEY;
  if (!key) return undefined;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new ChainConnectionError("ASSAY_PRIVATE_KEY is not a 0x-prefixed 32-byte hex key");
  return key;
}

interface Endpoint {
  ethers: ChainEthers;
  chainId: bigint;
  ephemeral: boolean;
  /** Whether the endpoint's accounts are keys held by this process. */
  keysHere: boolean;
  close(): Promise<void>;
}

/** `--rpc`: plain ethers. */
async function openRpc(url: string): Promise<Endpoint> {
  const key = envPrivateKey();
  const chainId = await rpcChainId(url);
  const provider = rpcProvider(url, chainId);
  return {
    ethers: plainEthers(provider, key),
    chainId,
    ephemeral: false,
    keysHere: key !== undefined,
    close: async () => provider.destroy(),
  };
}

/** One line of a Hardhat error (config errors list their details on the following lines). */
function oneLine(e: unknown): string {
  return (e as Error).message
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s*/, "").trim())
    .filter(Boolean)
    .join(" ");
}

/** The embedded network or `--network <name>`: Hardhat, imported now. */
async function openHardhat(name: string | undefined, label: string): Promise<Endpoint> {
  // Hardhat finds its config upward from the working directory; pin it to this package's.
  process.env.HARDHAT_CONFIG ??= path.join(PROJECT_ROOT, "hardhat.config.ts");
  let network: typeof import("hardhat").network;
  try {
    ({ network } = await import("hardhat"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && /hardhat/.test((e as Error).message))
      throw new ChainConnectionError(
        `${label} needs Hardhat, which this install does not have (it is a development dependency): ` +
          "use a JSON-RPC chain with --rpc <url>, or install hardhat@3 and " +
          "@nomicfoundation/hardhat-toolbox-mocha-ethers",
      );
    throw new ChainConnectionError(`cannot load Hardhat (${process.env.HARDHAT_CONFIG}): ${oneLine(e)}`);
  }
  let conn;
  try {
    conn = name ? await network.connect(name) : await network.connect();
  } catch (e) {
    throw new ChainConnectionError(`cannot connect to ${label}: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    const chainId = (await conn.ethers.provider.getNetwork()).chainId;
    return {
      ethers: conn.ethers,
      chainId,
      ephemeral: conn.networkConfig.type === "edr-simulated",
      keysHere: false,
      close: () => conn.close(),
    };
  } catch (e) {
    await conn.close().catch(() => {});
    throw new ChainConnectionError(`cannot reach ${label}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Connects, checks that the chain answers, and picks the signing account. */
export async function connectChain(sel: ChainSelection): Promise<ChainConnection> {
  if (sel.rpc && sel.network) throw new ChainConnectionError("give --rpc or --network, not both");
  const label = sel.rpc ? `rpc ${sel.rpc}` : sel.network ? `network ${sel.network}` : "the embedded network";
  const end = sel.rpc ? await openRpc(sel.rpc) : await openHardhat(sel.network, label);
  let signer: ChainSigner;
  try {
    if (hasKey(sel)) {
      if (sel.account !== undefined)
        throw new ChainConnectionError("give --account or a key (--keystore / --key-file), not both");
      signer = (await loadKey(sel, { provider: end.ethers.provider }))!;
    } else {
      signer = await pickSigner(end.ethers, sel.account, label);
    }
  } catch (e) {
    await end.close().catch(() => {});
    throw e;
  }
  return {
    ethers: end.ethers,
    chainId: end.chainId,
    label,
    ephemeral: end.ephemeral,
    signer,
    localKey: hasKey(sel) || end.keysHere,
    close: end.close,
  };
}

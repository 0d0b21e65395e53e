// What the protocol code needs of a chain: a provider and the accounts it can sign with. Hardhat's
// `ethers` (the embedded network, a network of hardhat.config.ts, every test) has this shape, and
// so has a plain ethers JSON-RPC connection (`--rpc`), which needs no Hardhat at all: contracts
// are deployed and attached through the typed factories `hardhat build` generates
// (types/ethers-contracts, shipped built in dist/), never through Hardhat's artifact lookup.
import { type JsonRpcApiProvider, type Provider, type Signer, Wallet } from "ethers";

/** An ethers v6 provider that also passes raw JSON-RPC calls through (`evm_*`, `eth_*`). */
export type ChainProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/** A signer with its address known up front (a Hardhat signer, a JsonRpcSigner, a Wallet). */
export type ChainSigner = Signer & { readonly address: string };

export interface ChainEthers {
  readonly provider: ChainProvider;
  /** The accounts the endpoint signs for (its unlocked accounts, or configured keys). */
  getSigners(): Promise<ChainSigner[]>;
}

/**
 * A ChainEthers over a plain JSON-RPC provider: the endpoint's own accounts (`eth_accounts`, asked
 * only when a signer is needed), or `privateKey`'s wallet alone when one is given.
 */
export function plainEthers(provider: JsonRpcApiProvider, privateKey?: string): ChainEthers {
  const wallet = privateKey === undefined ? undefined : new Wallet(privateKey, provider);
  return {
    provider,
    async getSigners() {
      if (wallet) return [wallet];
      return provider.listAccounts();
    },
  };
}

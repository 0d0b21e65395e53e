// Which chains count as local development chains: the only ones where development-only trust
// (the development powers of tau, the development enclave and its CA) is accepted by default.
// Hardhat's and Anvil's 31337 and the 1337 of geth --dev and Ganache; everything else is treated
// as a chain where someone could lose money.
export const DEVELOPMENT_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

/** Whether `chainId` is a local development chain. */
export function isDevelopmentChain(chainId: bigint | number | string): boolean {
  return DEVELOPMENT_CHAIN_IDS.includes(BigInt(chainId));
}

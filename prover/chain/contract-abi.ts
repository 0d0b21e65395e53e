// ABIs of the protocol's Solidity interfaces, from the typed factories `hardhat build` generates
// from the compiled contracts, so that TypeScript never keeps a hand-written copy of a signature
// that could drift from the contract.
import type { Interface } from "ethers";
import { IAssayConsumer__factory } from "../../types/ethers-contracts/factories/consumer/index.js";

/** IAssayConsumer (contracts/consumer/IAssayConsumer.sol): `requiredLevel(uint256 valueAtRisk)`. */
export async function assayConsumerInterface(): Promise<Interface> {
  return IAssayConsumer__factory.createInterface();
}

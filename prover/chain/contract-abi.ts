// ABIs of the protocol's Solidity interfaces, read from their compiled Hardhat artifacts
// (artifacts/contracts/<source>/<name>.json, written by `npx hardhat build`), so that TypeScript
// never keeps a hand-written copy of a signature that could drift from the contract.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Interface } from "ethers";
import { PROJECT_ROOT } from "../artifacts.js";
import { AssayError } from "../errors.js";

/** A contract artifact is missing or unreadable (contracts not built). */
export class ContractArtifactError extends AssayError {}

const interfaces = new Map<string, Promise<Interface>>();

async function readInterface(file: string): Promise<Interface> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ContractArtifactError(
      `contract artifact ${path.relative(PROJECT_ROOT, file)} is missing (run \`npx hardhat build\`): ` +
        `${(e as Error).message}`,
      { cause: e },
    );
  }
  const artifact = JSON.parse(text) as { abi?: unknown };
  if (!Array.isArray(artifact.abi))
    throw new ContractArtifactError(`contract artifact ${path.relative(PROJECT_ROOT, file)} has no abi`);
  return new Interface(artifact.abi);
}

/** The compiled ABI of contract `name` in `source` (a path under contracts/), read once. */
export function contractInterface(source: string, name: string): Promise<Interface> {
  const file = path.join(PROJECT_ROOT, "artifacts", source, `${name}.json`);
  let p = interfaces.get(file);
  if (!p) {
    p = readInterface(file);
    // A failed read is not kept: a later build makes the artifact appear.
    p.catch(() => interfaces.delete(file));
    interfaces.set(file, p);
  }
  return p;
}

/** IAssayConsumer (contracts/consumer/IAssayConsumer.sol): `requiredLevel(uint256 valueAtRisk)`. */
export function assayConsumerInterface(): Promise<Interface> {
  return contractInterface("contracts/consumer/IAssayConsumer.sol", "IAssayConsumer");
}

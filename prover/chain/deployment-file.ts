// Where a deployment's addresses live between commands: <state dir>/deployment-<chainId>.json
// (state dir: --state-dir, else $ASSAY_STATE_DIR, else the artifact cache, .assay/).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import { cacheRoot } from "../artifacts.js";
import { writeFileDurably } from "../durable-file.js";
import { type Deployment, DeploymentError } from "./protocol-client.js";

/** A deployment as written to disk: the addresses plus the block it was made in (where log scans start). */
export interface DeploymentRecord extends Deployment {
  blockNumber?: number;
  /** The AssayRequestHub on this protocol (`assay deploy --request-hub`), and its PoseidonT17. */
  requestHub?: string;
  poseidon?: string;
}

export function stateDir(dir?: string): string {
  return path.resolve(dir ?? process.env.ASSAY_STATE_DIR ?? cacheRoot());
}

export function deploymentPath(chainId: bigint | string, dir?: string): string {
  return path.join(stateDir(dir), `deployment-${chainId}.json`);
}

/** Writes the record durably (temp file, fsync, rename, fsync of the directory); returns its path. */
export async function writeDeployment(d: DeploymentRecord, dir?: string): Promise<string> {
  const file = deploymentPath(d.chainId, dir);
  mkdirSync(path.dirname(file), { recursive: true });
  // Addresses only, nothing secret: readable by others.
  await writeFileDurably(file, `${JSON.stringify(d, null, 2)}\n`, 0o644);
  return file;
}

function parseRecord(file: string): DeploymentRecord {
  let j: DeploymentRecord;
  try {
    j = JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord;
  } catch (e) {
    throw new DeploymentError(
      `cannot read deployment ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (j?.format !== "assay.deployment" || j.version !== 1)
    throw new DeploymentError(`${file}: not an assay.deployment v1 file`);
  for (const k of ["verifier", "protocol"] as const) {
    if (!isAddress(j[k])) throw new DeploymentError(`${file}: ${k} ${j[k]} is not an address`);
  }
  for (const k of ["requestHub", "poseidon"] as const) {
    if (j[k] !== undefined && !isAddress(j[k])) throw new DeploymentError(`${file}: ${k} ${j[k]} is not an address`);
  }
  return j;
}

/**
 * The deployment to use on chain `chainId`: `--deployment <file>` if given (its chain id must
 * match), else the state dir's file for this chain; `--protocol <address>` overrides the protocol
 * address (the verifier is then read from the protocol by the caller).
 */
export function readDeployment(chainId: bigint, opts: { dir?: string; file?: string }): DeploymentRecord {
  const file = opts.file ?? deploymentPath(chainId, opts.dir);
  if (!existsSync(file)) {
    throw new DeploymentError(
      `no deployment for chain ${chainId} (${file} not found): ` +
        "run `assay deploy` against this chain first, or pass --protocol <address>",
    );
  }
  const d = parseRecord(file);
  if (d.chainId !== chainId.toString()) {
    throw new DeploymentError(
      `wrong chain: ${file} is a deployment on chain ${d.chainId}, the connected chain is ${chainId}`,
    );
  }
  return { ...d, verifier: getAddress(d.verifier), protocol: getAddress(d.protocol) };
}

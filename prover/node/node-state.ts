// What a running node leaves in its state directory (the one chain commands share, see
// chain/deployment-file.ts) for other commands:
//
//   <state>/node.json                where it listens, its chain, deployment, models, operator, enclave key
//   <state>/deployment-<chainId>.json  the deployment (written with chain/deployment-file.ts)
//   <state>/node/runs/<id>/          claims, proof jobs and batches of one deployment (id from its
//                                    addresses and deploy time, so a fresh embedded chain never sees
//                                    a dead chain's jobs)
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Deployment } from "../chain/protocol-client.js";
import { AssayError } from "../errors.js";

export const NODE_STATE_FORMAT = "assay.node";

export interface NodeState {
  format: typeof NODE_STATE_FORMAT;
  version: 1;
  url: string;
  /** JSON-RPC passthrough to the node's chain (embedded chain only), else null. */
  rpc: string | null;
  chain: { embedded: boolean; label: string; chainId: string };
  deployment: Deployment;
  operator: string;
  models: { modelId: string; circuitId: string; ptauId?: string; alias?: string }[];
  enclave: {
    address: string;
    measurement: string;
    expiresAt: number;
    attestationDocHash: string;
    documentFile?: string;
  } | null;
  policy: { signedMax: string; attestedMax: string };
  dataDir: string;
  pid: number;
  startedAt: string;
}

export function nodeStateFile(stateDir: string): string {
  return path.join(stateDir, "node.json");
}

/** The directory of one deployment's claims and jobs. */
export function runDir(stateDir: string, d: Deployment): string {
  const id = createHash("sha256")
    .update(`${d.chainId}:${d.protocol.toLowerCase()}:${d.deployedAt}`)
    .digest("hex")
    .slice(0, 16);
  return path.join(stateDir, "node", "runs", `${d.chainId}-${id}`);
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

export async function writeNodeState(stateDir: string, state: NodeState): Promise<void> {
  await writeJson(nodeStateFile(stateDir), state);
}

export function readNodeState(stateDir: string): NodeState | undefined {
  const file = nodeStateFile(stateDir);
  if (!existsSync(file)) return undefined;
  const s = JSON.parse(readFileSync(file, "utf8")) as NodeState;
  if (s.format !== NODE_STATE_FORMAT || s.version !== 1)
    throw new AssayError(`${file}: not an assay node state file (format ${s.format} v${s.version})`);
  return s;
}

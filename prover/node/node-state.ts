// What a running node leaves in its state directory (the one chain commands share, see
// chain/deployment-file.ts) for other commands:
//
//   <state>/node.json                where it listens, its chain, deployment, models, operator, enclave key
//   <state>/deployment-<chainId>.json  the deployment (written with chain/deployment-file.ts)
//   <state>/node/runs/<id>/          claims, proof jobs and batches of one deployment (id from its
//                                    addresses and deploy time, so a fresh embedded chain never sees
//                                    a dead chain's jobs)
//   <state>/quarantine/              a node.json that could not be read back (see below)
//
// The state directory and the directories down to a run's are kept 0700 and node.json is 0600,
// written durably (./durable-file.ts). A node.json that is not JSON (a crash of a version that
// wrote it in place, a full disk) is moved to quarantine/ with a logged line, as if absent.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Deployment } from "../chain/protocol-client.js";
import { AssayError } from "../errors.js";
import {
  ensurePrivateDir,
  jsonProblem,
  type Log,
  logToStderr,
  quarantineSync,
  removeStaleTempFiles,
  writeFileDurably,
} from "../durable-file.js";

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

/** Writes node.json; makes the state directory, and each one down to the run's data, 0700. */
export async function writeNodeState(stateDir: string, state: NodeState, log: Log = logToStderr): Promise<void> {
  await ensurePrivateDir(stateDir, log);
  const rel = path.relative(stateDir, state.dataDir);
  if (rel && !rel.startsWith("..") && !path.isAbsolute(rel)) {
    let dir = stateDir;
    for (const part of rel.split(path.sep)) {
      dir = path.join(dir, part);
      await ensurePrivateDir(dir, log);
    }
  }
  await removeStaleTempFiles(stateDir);
  await writeFileDurably(nodeStateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** The node state, or undefined if there is none (or it was unreadable: then it is quarantined). */
export function readNodeState(stateDir: string, log: Log = logToStderr): NodeState | undefined {
  const file = nodeStateFile(stateDir);
  if (!existsSync(file)) return undefined;
  let s: NodeState | null;
  try {
    s = JSON.parse(readFileSync(file, "utf8")) as NodeState | null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    quarantineSync(file, path.join(stateDir, "quarantine"), code ? `cannot read it: ${code}` : jsonProblem(e), log);
    return undefined;
  }
  if (typeof s !== "object" || s === null || s.format !== NODE_STATE_FORMAT || s.version !== 1)
    throw new AssayError(
      `${file}: not an assay node state file (format ${s?.format} v${s?.version}); ` +
        "point --state-dir at a node's state directory, or move this file away",
    );
  return s;
}

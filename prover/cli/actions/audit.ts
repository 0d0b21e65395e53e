// assay audit: loads attestation documents and their root, runs the audit, prints the checklist.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { keccak256 } from "ethers";
import { devCaDir, devRoot, loadOrCreateDevCa } from "../../attest/dev-ca.js";
import { awsNitroRoot, type RootSpec } from "../../attest/pinned-root.js";
import {
  type AttestationDocument,
  type AttestationSource,
  type AuditCheck,
  type AuditContext,
  type AuditReport,
  auditClaim,
} from "../../audit/index.js";
import { ChainConnectionError } from "../../chain/chain-connection.js";
import { AssayError, InputError } from "../../errors.js";
import { openRpcChain } from "../../explorer/rpc-chain.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { AuditOptions } from "../commands/audit.js";
import { type GlobalOptions, result } from "../output.js";
import { readInputFile } from "../parse.js";
import { withDeployment } from "./with-chain.js";

type Opts = AuditOptions & GlobalOptions;

/** The audit ran and at least one check failed (the checklist is printed before). */
export class AuditFailedError extends AssayError {
  constructor(
    readonly claimId: string,
    readonly failed: AuditCheck[],
  ) {
    super(`audit of claim ${claimId} failed: ${failed.map((c) => c.id).join(", ")}`);
  }
}

const MARK: Record<AuditCheck["status"], string> = { pass: "✓", fail: "✗", skip: "–", info: "·" };

/** Attestation documents from files and directories, indexed by keccak256. */
function loadDocuments(paths: readonly string[]): Map<string, AttestationDocument> {
  const docs = new Map<string, AttestationDocument>();
  const add = (file: string) => {
    const bytes = new Uint8Array(readFileSync(file));
    docs.set(keccak256(bytes), { bytes, name: file });
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new InputError(`--attestation ${p}: no such file or directory`);
    if (!statSync(p).isDirectory()) add(p);
    else for (const f of readdirSync(p).filter((f) => f.endsWith(".cose"))) add(path.join(p, f));
  }
  return docs;
}

/**
 * "aws" (the built-in AWS Nitro root G1), "dev" (this machine's development CA, as a development
 * node uses; never created here), or a PEM / DER certificate file.
 */
function loadAttestationRoot(spec: string): RootSpec {
  if (spec === "aws") return awsNitroRoot();
  if (spec === "dev") {
    if (!existsSync(path.join(devCaDir(), "dev-ca.json")))
      throw new InputError(`--attestation-root dev: no development CA in ${devCaDir()}`);
    return devRoot(loadOrCreateDevCa());
  }
  if (!existsSync(spec)) throw new InputError(`--attestation-root ${spec}: not "aws" and no such file`);
  const buf = readFileSync(spec);
  return buf.subarray(0, 30).toString("latin1").includes("-----BEGIN") ? buf.toString("latin1") : new Uint8Array(buf);
}

/** How a report names the root: the built-in ones by name, a file by its path. */
const ROOT_NAMES: Record<string, string> = { aws: "AWS Nitro root G1", dev: "the development CA" };

/** The documents of --attestation and the root of --attestation-root (undefined without documents). */
function attestationSource(o: Opts): AttestationSource | undefined {
  if (!o.attestation) return undefined;
  const docs = loadDocuments(o.attestation);
  return {
    find: (h: string) => docs.get(h.toLowerCase()),
    roots: [loadAttestationRoot(o.attestationRoot)],
    rootName: ROOT_NAMES[o.attestationRoot] ?? o.attestationRoot,
  };
}

/** The checklist as printed: a heading, one line per check, a verdict with the counts. */
export function formatAuditReport(report: AuditReport): string {
  const counts = (s: AuditCheck["status"]) => report.checks.filter((c) => c.status === s).length;
  const verdict = report.ok ? "PASS" : "FAIL";
  return [
    `audit of claim ${report.claimId} on chain ${report.chainId} (hub ${report.hub}): level ${report.level}`,
    ...report.checks.map((c) => `  ${MARK[c.status]} ${c.id.padEnd(18)} ${c.detail}`),
    `${verdict}: ${counts("pass")} passed, ${counts("fail")} failed, ${counts("skip")} skipped`,
  ].join("\n");
}

/**
 * Runs `fn` on the chain and deployment the audit reads. With --rpc that is a plain provider and
 * no account: the audit signs nothing, so an endpoint that lists no accounts (a node's read-only
 * /rpc) serves it. --network and the embedded network go through Hardhat.
 */
async function withAuditContext<T>(o: Opts, fn: (ctx: AuditContext) => Promise<T>): Promise<T> {
  if (o.rpc === undefined)
    return withDeployment(o, (conn, d) =>
      fn({
        provider: conn.ethers.provider,
        chainId: conn.chainId,
        protocol: d.protocol,
        verifier: d.verifier,
        fromBlock: d.deployment.blockNumber ?? 0,
      }),
    );
  if (o.network !== undefined) throw new ChainConnectionError("give --rpc or --network, not both");
  const { rpc, protocol, deployment, stateDir } = o;
  const { chain, close } = await openRpcChain({ rpc, protocol, deployment, stateDir });
  try {
    return await fn(chain);
  } finally {
    close();
  }
}

export async function run(claimId: string, o: Opts): Promise<void> {
  const input = o.input !== undefined ? readInputFile(o.input) : undefined;
  const attestation = attestationSource(o);
  const report = await withAuditContext(o, (ctx) =>
    auditClaim(ctx, claimId, { input, salt: o.salt, inputName: o.input, attestation }),
  );
  await releaseCurve();
  result(o, formatAuditReport(report), report);
  if (!report.ok)
    throw new AuditFailedError(
      report.claimId,
      report.checks.filter((c) => c.status === "fail"),
    );
}

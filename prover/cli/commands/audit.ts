// assay audit <claim id>: re-checks a claim from chain data alone and prints a checklist; exits 1
// when any check fails.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { keccak256 } from "ethers";
import { devCaDir, devRoot, loadOrCreateDevCa } from "../../attest/dev-ca.js";
import { awsNitroRoot, type RootSpec } from "../../attest/pinned-root.js";
import {
  type AttestationDocument,
  type AttestationSource,
  type AuditCheck,
  type AuditReport,
  auditClaim,
} from "../../audit/index.js";
import { AssayError, InputError } from "../../errors.js";
import { releaseCurve } from "../../zk/groth16.js";
import { type GlobalOptions, result } from "../output.js";
import { fieldOption, readInputFile } from "../parse.js";
import { bytes32Option } from "./chain-parse.js";
import { type ChainOptions, deploymentOptions, withDeployment } from "./chain-options.js";

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

interface Opts extends GlobalOptions, ChainOptions {
  input?: string;
  salt?: bigint;
  attestation?: string[];
  attestationRoot: string;
}

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

const DESCRIPTION =
  "re-check a claim from chain data alone: its record and events; its fields, read back from the submitting " +
  "transaction, hash to its id; its model is registered and allowed the level; the registered verifying key is " +
  "what the verifier holds; a proof verifies off-chain against it; an enclave key was registered, valid and of " +
  "an approved image; a signer was staked; disputes and finality. With --input and --salt, the input commitment " +
  "and the output are recomputed (the model must be compiled here). Exit 1 if any check fails.";

function defineAudit(program: Command): Command {
  return program
    .command("audit")
    .argument("<claimId>", "the claim id (bytes32) printed by `assay submit` or the node", bytes32Option("<claimId>"))
    .summary("re-check a claim from chain data alone (checklist, exit 1 on a failure)")
    .description(DESCRIPTION)
    .option("--input <file>", "the input the claim commits to (JSON array of numbers)")
    .option(
      "--salt <n>",
      "the input commitment's salt (printed by `assay submit`, kept in the proof file)",
      fieldOption("--salt"),
    )
    .option(
      "--attestation <path>",
      "attestation document(s) (*.cose files or a directory of them) to re-verify an enclave key's " +
        "registration; repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--attestation-root <aws|file>",
      "root the documents must chain to: aws (the AWS Nitro root), dev (this machine's development CA, " +
        "UNSAFE outside development), or a certificate file (PEM/DER)",
      "aws",
    );
}

async function runAudit(claimId: string, o: Opts, globals: GlobalOptions): Promise<void> {
  const input = o.input !== undefined ? readInputFile(o.input) : undefined;
  const attestation = attestationSource(o);
  const report = await withDeployment(o, (conn, d) =>
    auditClaim(
      {
        provider: conn.ethers.provider,
        chainId: conn.chainId,
        protocol: d.protocol,
        verifier: d.verifier,
        fromBlock: d.deployment.blockNumber ?? 0,
      },
      claimId,
      { input, salt: o.salt, inputName: o.input, attestation },
    ),
  );
  await releaseCurve();
  result({ ...globals, ...o }, formatAuditReport(report), report);
  if (!report.ok)
    throw new AuditFailedError(
      report.claimId,
      report.checks.filter((c) => c.status === "fail"),
    );
}

export function registerAudit(program: Command, globals: () => GlobalOptions): void {
  const cmd = defineAudit(program);
  deploymentOptions(cmd);
  cmd.action((claimId: string, o: Opts) => runAudit(claimId, o, globals()));
}

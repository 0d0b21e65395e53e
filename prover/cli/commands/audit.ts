// assay audit <claim id>: re-checks a claim from chain data alone and prints a checklist; exits 1
// when any check fails.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { keccak256 } from "ethers";
import { devCaDir, devRoot, loadOrCreateDevCa } from "../../attest/dev-ca.js";
import { awsNitroRoot, type RootSpec } from "../../attest/pinned-root.js";
import { type AuditCheck, auditClaim } from "../../chain/audit-claim.js";
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
function loadDocuments(paths: readonly string[]): Map<string, { bytes: Uint8Array; name: string }> {
  const docs = new Map<string, { bytes: Uint8Array; name: string }>();
  const add = (file: string) => {
    const bytes = new Uint8Array(readFileSync(file));
    docs.set(keccak256(bytes), { bytes, name: file });
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new InputError(`--attestation ${p}: no such file or directory`);
    if (statSync(p).isDirectory()) for (const f of readdirSync(p)) f.endsWith(".cose") && add(path.join(p, f));
    else add(p);
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

export function registerAudit(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("audit")
    .argument("<claimId>", "the claim id (bytes32) printed by `assay submit` or the node", bytes32Option("<claimId>"))
    .summary("re-check a claim from chain data alone (checklist, exit 1 on a failure)")
    .description(
      "re-check a claim from chain data alone: its record and events; its fields, read back from the submitting transaction, hash to its id; its model is registered and allowed the level; the registered verifying key is what the verifier holds; a proof verifies off-chain against it; an enclave key was registered, valid and of an approved image; a signer was staked; disputes and finality. With --input and --salt, the input commitment and the output are recomputed (the model must be compiled here). Exit 1 if any check fails.",
    )
    .option("--input <file>", "the input the claim commits to (JSON array of numbers)")
    .option(
      "--salt <n>",
      "the input commitment's salt (printed by `assay submit`, kept in the proof file)",
      fieldOption("--salt"),
    )
    .option(
      "--attestation <path>",
      "attestation document(s) (*.cose files or a directory of them) to re-verify an enclave key's registration; repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--attestation-root <aws|file>",
      "root the documents must chain to: aws (the AWS Nitro root), dev (this machine's development CA, UNSAFE outside development), or a certificate file (PEM/DER)",
      "aws",
    );
  deploymentOptions(cmd);
  cmd.action(async (claimId: string, o: Opts) => {
    const g = { ...globals(), ...o };
    const input = o.input !== undefined ? readInputFile(o.input) : undefined;
    const docs = o.attestation ? loadDocuments(o.attestation) : undefined;
    const attestation = docs && {
      find: (h: string) => docs.get(h.toLowerCase()),
      roots: [loadAttestationRoot(o.attestationRoot)],
      rootName:
        o.attestationRoot === "aws"
          ? "AWS Nitro root G1"
          : o.attestationRoot === "dev"
            ? "the development CA"
            : o.attestationRoot,
    };
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
    const counts = (s: AuditCheck["status"]) => report.checks.filter((c) => c.status === s).length;
    const human = [
      `audit of claim ${report.claimId} on chain ${report.chainId} (hub ${report.hub}): level ${report.level}`,
      ...report.checks.map((c) => `  ${MARK[c.status]} ${c.id.padEnd(18)} ${c.detail}`),
      `${report.ok ? "PASS" : "FAIL"}: ${counts("pass")} passed, ${counts("fail")} failed, ${counts("skip")} skipped`,
    ].join("\n");
    result(g, human, report);
    if (!report.ok)
      throw new AuditFailedError(
        report.claimId,
        report.checks.filter((c) => c.status === "fail"),
      );
  });
}

// assay audit <claim id>: re-checks a claim from chain data alone and prints a checklist; exits 1
// when any check fails.
import type { Command } from "commander";
import { type AuditCheck, auditClaim } from "../../chain/audit-claim.js";
import { AssayError } from "../../errors.js";
import { releaseCurve } from "../../zk/groth16.js";
import { type GlobalOptions, result } from "../output.js";
import { fieldOption, readInputFile } from "../parse.js";
import { bytes32Option } from "./chain-parse.js";
import { type ChainOptions, deploymentOptions, withDeployment } from "./chain-options.js";

/** The audit ran and at least one check failed (the checklist is printed before). */
export class AuditFailedError extends AssayError {
  constructor(readonly claimId: string, readonly failed: AuditCheck[]) {
    super(`audit of claim ${claimId} failed: ${failed.map((c) => c.id).join(", ")}`);
  }
}

const MARK: Record<AuditCheck["status"], string> = { pass: "✓", fail: "✗", skip: "–", info: "·" };

interface Opts extends GlobalOptions, ChainOptions {
  input?: string;
  salt?: bigint;
}

export function registerAudit(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("audit")
    .argument("<claimId>", "the claim id (bytes32) printed by `assay submit` or the node", bytes32Option("<claimId>"))
    .description(
      "re-check a claim from chain data alone: its record and events; its fields, read back from the submitting\n" +
        "transaction, hash to its id; its model is registered and allowed the level; the registered verifying key\n" +
        "is what the verifier holds; a proof verifies off-chain against it; an enclave key was registered, valid\n" +
        "and of an approved image; a signer was staked; disputes and finality. With --input and --salt, the input\n" +
        "commitment and the output are recomputed (the model must be compiled here). Exit 1 if any check fails.",
    )
    .option("--input <file>", "the input the claim commits to (JSON array of numbers)")
    .option("--salt <n>", "the input commitment's salt (printed by `assay submit`, kept in the proof file)", fieldOption("--salt"));
  deploymentOptions(cmd);
  cmd.action(async (claimId: string, o: Opts) => {
    const g = { ...globals(), ...o };
    const input = o.input !== undefined ? readInputFile(o.input) : undefined;
    const report = await withDeployment(o, (conn, d) =>
      auditClaim(
        { provider: conn.ethers.provider, chainId: conn.chainId, protocol: d.protocol, verifier: d.verifier, fromBlock: d.deployment.blockNumber ?? 0 },
        claimId,
        { input, salt: o.salt, inputName: o.input },
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
    if (!report.ok) throw new AuditFailedError(report.claimId, report.checks.filter((c) => c.status === "fail"));
  });
}

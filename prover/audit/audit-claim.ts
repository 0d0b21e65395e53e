// Re-checks one claim from chain data alone (plus, optionally, the input and salt it commits
// to, and the attestation documents behind enclave keys): reads what the chain holds about it,
// then runs the checks of ./checks in a fixed order and assembles the report.
import { type BaseContract, type Provider, getAddress } from "ethers";
import type { Claim } from "../chain/claim.js";
import { LEVEL, LEVEL_NAMES } from "../chain/protocol-client.js";
import { InputError } from "../errors.js";
import type { AuditCheck, AuditReport } from "./audit-report.js";
import { type ClaimEvent, eventsNamed, readClaimHistory, UnknownClaimError } from "./claim-history.js";
import { type AttestationSource, checkAttestation } from "./checks/attestation.js";
import { checkBacker } from "./checks/backer.js";
import { checkBatchMembership } from "./checks/batch-membership.js";
import { checkClaimFields } from "./checks/claim-fields.js";
import { checkAttestedSignature, checkEnclaveImage, checkEnclaveKey } from "./checks/enclave.js";
import { checkFinality } from "./checks/finality.js";
import { checkInputCommitment, checkOutput } from "./checks/input-output.js";
import { checkModel } from "./checks/model.js";
import { checkProofs } from "./checks/proof.js";
import { checkRecorded } from "./checks/recorded.js";
import { checkSetup } from "./checks/setup.js";
import { checkSignature, checkSignerStaked } from "./checks/signer.js";
import { checkVerifyingKey } from "./checks/verifying-key.js";
import {
  fetchVerifyingKey,
  type HubReceipt,
  latestTimestamp,
  readBackerAccount,
  readBatch,
  readEnclaveKey,
  readFinality,
  readImageStanding,
  readModel,
  readReceipt,
  readStakeAt,
} from "./hub-reads.js";
import { evaluateInput, type GivenInput } from "./input-evaluation.js";
import { readSetupRecord } from "./setup-reads.js";
import { firstSubmission } from "./submission.js";

export interface AuditContext {
  provider: Provider;
  chainId: bigint;
  protocol: BaseContract;
  verifier: BaseContract;
  /** First block to scan for events (the deployment's). */
  fromBlock?: number;
}

export interface AuditOptions {
  /** The input the claim commits to, and the salt of the commitment. */
  input?: ArrayLike<number>;
  salt?: bigint;
  /** Label for the input in messages (its file name). */
  inputName?: string;
  /** Attestation documents to re-verify (the chain holds only their hashes). */
  attestation?: AttestationSource;
}

/** A claim the hub knows, with its fields read back and its events. */
interface Audited {
  claimId: string;
  claim: Claim;
  receipt: HubReceipt;
  events: ClaimEvent[];
}

export async function auditClaim(ctx: AuditContext, claimId: string, opts: AuditOptions = {}): Promise<AuditReport> {
  if ((opts.input === undefined) !== (opts.salt === undefined)) {
    throw new InputError(
      "the input commitment is salted: give the input and its salt together (--input f.json --salt n)",
    );
  }
  const hub = getAddress(await ctx.protocol.getAddress());
  const history = await readClaimHistory(ctx.provider, ctx.protocol, claimId, ctx.chainId, ctx.fromBlock ?? 0);
  const receipt = await readReceipt(ctx.protocol, claimId);
  if (history.events.length === 0 && receipt.level === LEVEL.None)
    throw new UnknownClaimError(claimId, hub, ctx.chainId);
  const checks = [checkRecorded(receipt, history.events), checkClaimFields(history, claimId, ctx.chainId, hub)];
  const { claim } = history;
  if (claim) checks.push(...(await auditRecordedClaim(ctx, { claimId, claim, receipt, events: history.events }, opts)));
  return {
    claimId,
    chainId: ctx.chainId.toString(),
    hub,
    level: receipt.refuted ? "None" : LEVEL_NAMES[receipt.level],
    claim: claim && {
      modelId: claim.modelId,
      inputCommitment: claim.inputCommitment.toString(),
      output: claim.output.toString(),
      requestId: claim.requestId,
      deadline: claim.deadline.toString(),
    },
    checks,
    ok: checks.every((c) => c.status !== "fail"),
  };
}

/** The checks after the claim's fields are known: model, key, input, proofs, signers, finality. */
async function auditRecordedClaim(ctx: AuditContext, a: Audited, opts: AuditOptions): Promise<AuditCheck[]> {
  const model = await readModel(ctx.protocol, a.claim.modelId, ctx.chainId, ctx.fromBlock ?? 0);
  const checks = [checkModel(a.claim.modelId, model, firstSubmission(a.events, a.receipt.level))];
  if (!model) return checks;
  const key = checkVerifyingKey(model.verifyingKeyId, await fetchVerifyingKey(ctx.verifier, model.verifyingKeyId));
  checks.push(key.check);
  const setup = await readSetupRecord(ctx.protocol, a.claim.modelId, ctx.fromBlock ?? 0);
  checks.push(checkSetup(setup, a.receipt, ctx.chainId));
  let given: GivenInput | undefined;
  if (opts.input !== undefined && opts.salt !== undefined) {
    const evaluation = await evaluateInput(model, opts.input, opts.salt);
    given = { name: opts.inputName ?? "the input", salt: opts.salt, evaluation };
  }
  checks.push(checkInputCommitment(a.claim, given));
  const output = checkOutput(a.claim, given);
  if (output) checks.push(output);
  const subject = { claimId: a.claimId, claim: a.claim, keyId: model.verifyingKeyId, vkey: key.vkey };
  checks.push(...(await checkProofs(eventsNamed(a.events, "ClaimProven"), subject, a.receipt.level)));
  for (const e of eventsNamed(a.events, "ClaimAttested")) {
    checks.push(...(await auditEnclave(ctx, a, e, opts, model.verifyingKeyId)));
  }
  for (const e of eventsNamed(a.events, "ClaimSigned")) checks.push(...(await auditOperator(ctx, a, e)));
  const finality = await readFinality(ctx.protocol, a.claimId, a.receipt, await latestTimestamp(ctx.provider));
  if (finality) checks.push(checkFinality(a.receipt, a.events, finality));
  return checks;
}

/** An Attested submission: its signature, the enclave key, its attestation, its image, its backer. */
async function auditEnclave(
  ctx: AuditContext,
  a: Audited,
  e: ClaimEvent,
  opts: AuditOptions,
  modelKeyId: string,
): Promise<AuditCheck[]> {
  const checks: AuditCheck[] = [];
  const hub = { chainId: ctx.chainId, address: await ctx.protocol.getAddress() };
  const signature = checkAttestedSignature(e, a.claimId, hub, modelKeyId);
  if (signature) checks.push(signature);
  const key = await readEnclaveKey(ctx.protocol, e.args.key as string);
  checks.push(checkEnclaveKey(e, key, await latestTimestamp(ctx.provider)));
  if (!key.registered) return checks;
  checks.push(checkAttestation(key, opts.attestation));
  checks.push(checkEnclaveImage(await readImageStanding(ctx.protocol, a.claim.modelId, key.measurement)));
  checks.push(checkBacker("enclave key's operator", key.operator, await readBackerAccount(ctx.protocol, key.operator)));
  return checks;
}

/** A Signed submission (directly or imported from a batch): its signature or batch, stake, backer. */
async function auditOperator(ctx: AuditContext, a: Audited, e: ClaimEvent): Promise<AuditCheck[]> {
  const operator = getAddress(e.args.operator as string);
  const imported = eventsNamed(a.events, "BatchClaimImported").find((b) => b.txHash === e.txHash);
  const checks: AuditCheck[] = [];
  if (imported) {
    const batch = await readBatch(ctx.protocol, imported.args.operator as string, imported.args.root as string);
    checks.push(checkBatchMembership(a.claimId, e, imported, batch));
  } else {
    checks.push(checkSignature(e, a.claimId));
  }
  checks.push(checkSignerStaked(await readStakeAt(ctx.protocol, operator, e.blockNumber)));
  checks.push(checkBacker("operator", operator, await readBackerAccount(ctx.protocol, operator)));
  return checks;
}

// Re-checks one claim from chain data alone (plus, optionally, the input and salt it commits
// to): where it was recorded and how, that its fields hash to its id, that its model is
// registered and allowed its level, that the registered verifying key is what the verifier holds,
// that the commitments and output follow from the input, that a proof verifies off-chain, that an
// enclave key was registered and valid, that a signer was staked, and where its disputes stand.
import {
  type BaseContract,
  type Provider,
  Signature,
  formatEther,
  getAddress,
  getBytes,
  hexlify,
  keccak256,
  recoverAddress,
} from "ethers";
import { parseAttestationPayload } from "../attest/attestation-document.js";
import { parseCoseSign1 } from "../attest/cose-sign1.js";
import type { RootSpec } from "../attest/pinned-root.js";
import { verifyAttestation } from "../attest/verify-attestation.js";
import type { CompiledModel } from "../compile-model.js";
import { imageMeasurementId } from "../node/enclave-registration.js";
import { InputError } from "../errors.js";
import { infer } from "../prove-inference.js";
import { groth16Verify } from "../zk/groth16.js";
import { decodeVerifyingKey, type SnarkjsVerificationKey } from "../zk/vkey-encoding.js";
import { batchLeaf } from "./batch-tree.js";
import { bindingFor } from "./binding.js";
import { type Claim, claimIdOf } from "./claim.js";
import { type ClaimEvent, readClaimHistory, UnknownClaimError } from "./claim-history.js";
import { decodeProofCalldata } from "./proof-calldata.js";
import { LEVEL, LEVEL_NAMES } from "./protocol-client.js";
import {
  levelsOfMask,
  openRegisteredModel,
  readRegisteredModel,
  type RegisteredModel,
  UnregisteredModelError,
} from "./registered-model.js";

export type CheckStatus = "pass" | "fail" | "skip" | "info";

export interface AuditCheck {
  /** Stable name of the check, e.g. "input-commitment". */
  id: string;
  status: CheckStatus;
  detail: string;
}

export interface AuditReport {
  claimId: string;
  chainId: string;
  hub: string;
  level: string;
  claim?: { modelId: string; inputCommitment: string; output: string; requestId: string; deadline: string };
  checks: AuditCheck[];
  ok: boolean;
}

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
  /**
   * Attestation documents to re-verify (the chain holds only their hashes): a lookup by the
   * document's keccak256, and the roots a document must chain to.
   */
  attestation?: {
    find(docHash: string): { bytes: Uint8Array; name: string } | undefined;
    roots: readonly RootSpec[];
    rootName: string;
  };
}

/** How far (seconds) a key's on-chain expiry may pass its attestation certificates' end. */
export const EXPIRY_CLOCK_TOLERANCE_S = 300;

/** Re-verifies the attestation document behind an enclave key, as the registrar did. */
function checkAttestationDocument(
  doc: { bytes: Uint8Array; name: string },
  key: { address: string; measurement: string; docHash: string; expiresAt: number },
  roots: readonly RootSpec[],
): { ok: boolean; detail: string } {
  const hash = keccak256(doc.bytes);
  if (hash !== key.docHash)
    return { ok: false, detail: `${doc.name} hashes to ${hash}, not the registered document hash ${key.docHash}` };
  try {
    // The document is checked as of its own timestamp: certificates valid then, no freshness window.
    const timestamp = parseAttestationPayload(parseCoseSign1(doc.bytes).payload).timestamp;
    const v = verifyAttestation(doc.bytes, { roots, now: new Date(timestamp), expectedSigner: key.address });
    const measurement = imageMeasurementId(v.pcrs);
    if (measurement.toLowerCase() !== key.measurement.toLowerCase()) {
      return {
        ok: false,
        detail: `${doc.name}: its PCR0..2 hash to image ${measurement}, the key is registered for ${key.measurement}`,
      };
    }
    const certEnd = Math.floor(v.validUntil.getTime() / 1000);
    // The registrar sets the expiry on the chain's clock, which may run a little ahead of the
    // certificates' (wall) clock: tolerate that much, not more.
    const overrun = key.expiresAt - certEnd;
    return {
      ok: overrun <= EXPIRY_CLOCK_TOLERANCE_S,
      detail: `${doc.name}: ES384 signature by ${v.leafSubject}, chain to the pinned root ${v.rootSha256.slice(0, 16)}…, non-debug PCRs of the key's image, binds ${v.signer!.address} (${v.signer!.via}); attested ${new Date(timestamp).toISOString()}; certificates valid until ${new Date(certEnd * 1000).toISOString()}${overrun <= 0 ? "" : overrun <= EXPIRY_CLOCK_TOLERANCE_S ? ` (${overrun} s before the key's on-chain expiry: within the clock tolerance)` : `, ${overrun} s BEFORE the key's on-chain expiry`}`,
    };
  } catch (e) {
    return { ok: false, detail: `${doc.name} does not verify: ${(e as Error).message.split("\n")[0]}` };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = BaseContract & Record<string, any>;

const short = (h: string) => `${h.slice(0, 10)}…`;
const when = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

/** keccak of the sorted pair, as OpenZeppelin's MerkleProof and batch-tree.ts hash. */
function foldMerkle(leaf: string, proof: readonly string[]): string {
  let h = getBytes(leaf);
  for (const p of proof) {
    const s = getBytes(p);
    const [a, b] = Buffer.compare(Buffer.from(h), Buffer.from(s)) <= 0 ? [h, s] : [s, h];
    const buf = new Uint8Array(64);
    buf.set(a, 0);
    buf.set(b, 32);
    h = getBytes(keccak256(buf));
  }
  return hexlify(h);
}

export async function auditClaim(ctx: AuditContext, claimId: string, opts: AuditOptions = {}): Promise<AuditReport> {
  if ((opts.input === undefined) !== (opts.salt === undefined)) {
    throw new InputError(
      "the input commitment is salted: give the input and its salt together (--input f.json --salt n)",
    );
  }
  const protocol = ctx.protocol as Loose;
  const verifier = ctx.verifier as Loose;
  const hub = getAddress(await protocol.getAddress());
  const checks: AuditCheck[] = [];
  const add = (id: string, status: CheckStatus, detail: string) => checks.push({ id, status, detail });

  const history = await readClaimHistory(ctx.provider, protocol, claimId, ctx.chainId, ctx.fromBlock ?? 0);
  const receipt = await protocol.receiptOf(claimId);
  const recordedLevel = Number(receipt.level);
  if (history.events.length === 0 && recordedLevel === LEVEL.None)
    throw new UnknownClaimError(claimId, hub, ctx.chainId);
  const levelName = receipt.refuted ? "None" : LEVEL_NAMES[recordedLevel];
  const ev = (name: ClaimEvent["name"]) => history.events.filter((e) => e.name === name);
  const submissions = history.events.filter(
    (e) =>
      e.name === "ClaimSigned" ||
      e.name === "ClaimAttested" ||
      (e.name === "ClaimProven" && Number(e.args.previousLevel) === LEVEL.None),
  );
  const first = submissions[0];
  const firstLevel = first
    ? first.name === "ClaimSigned"
      ? LEVEL.Signed
      : first.name === "ClaimAttested"
        ? LEVEL.Attested
        : LEVEL.Proven
    : recordedLevel;

  // 1. Recorded, and at which level.
  const refutation = ev("ClaimRefuted")[0] ?? ev("ChallengeTimedOut")[0];
  if (receipt.refuted) {
    add(
      "recorded",
      "fail",
      `refuted${refutation ? ` by ${refutation.name === "ClaimRefuted" ? "a proof of a different output" : "an unanswered challenge"} in tx ${refutation.txHash} (${when(refutation.timestamp)})` : ""}: the claim stands at no level`,
    );
  } else if (recordedLevel === LEVEL.None) {
    add("recorded", "fail", "the hub holds no record of it although events mention it");
  } else {
    const raised = ev("ClaimProven").find((e) => Number(e.args.previousLevel) !== LEVEL.None);
    add(
      "recorded",
      "pass",
      `${LEVEL_NAMES[recordedLevel]}${first ? `, recorded ${LEVEL_NAMES[firstLevel]} in tx ${first.txHash} (block ${first.blockNumber}, ${when(first.timestamp)})` : ""}${raised ? `, raised to Proven in tx ${raised.txHash}` : ""}${receipt.batched ? ", imported from a batch" : ""}`,
    );
  }

  // 2. The claim's fields, from the submitting transaction's input.
  const claim: Claim | undefined = history.claim;
  if (!claim) {
    add(
      "claim-fields",
      "fail",
      `no transaction that records it carries the claim's fields (events in ${[...new Set(history.events.map((e) => e.txHash))].map(short).join(", ")})`,
    );
  } else {
    const src = history.events.find((e) => e.claim)!;
    const id = claimIdOf(claim, ctx.chainId, hub);
    add(
      "claim-fields",
      id === claimId ? "pass" : "fail",
      `read from ${src.call ? `${src.call.name} calldata` : `the calldata of ${src.to} (a contract that forwarded it)`} in tx ${src.txHash}; they hash (EIP-712, chain ${ctx.chainId}, hub ${hub}) to ${id === claimId ? "the claim id" : id}`,
    );
  }
  const report = (): AuditReport => ({
    claimId,
    chainId: ctx.chainId.toString(),
    hub,
    level: levelName,
    claim: claim && {
      modelId: claim.modelId,
      inputCommitment: claim.inputCommitment.toString(),
      output: claim.output.toString(),
      requestId: claim.requestId,
      deadline: claim.deadline.toString(),
    },
    checks,
    ok: checks.every((c) => c.status !== "fail"),
  });
  if (!claim) return report();

  // 3. The model: registered, status, level allowed.
  let model: RegisteredModel | undefined;
  try {
    model = await readRegisteredModel(protocol, claim.modelId, ctx.chainId, ctx.fromBlock ?? 0);
  } catch (e) {
    if (!(e instanceof UnregisteredModelError)) throw e;
    add("model", "fail", `model ${claim.modelId} is not registered`);
    return report();
  }
  const levels = levelsOfMask(model.allowedLevels);
  const allowed = (model.allowedLevels & (1 << firstLevel)) !== 0;
  const recordedAt = first?.timestamp ?? 0;
  const deprecatedBefore = model.status === "Deprecated" && first !== undefined && model.deprecatedAt <= recordedAt;
  add(
    "model",
    allowed && !deprecatedBefore && model.status !== "Unknown" ? "pass" : "fail",
    `${claim.modelId}: version ${model.version} of family ${short(model.family)}, ${model.status}${model.status === "Deprecated" ? ` since ${when(model.deprecatedAt)}${deprecatedBefore ? " (before the claim was recorded)" : " (after the claim was recorded)"}` : ""}; allows ${levels.join(", ")}; recorded at ${LEVEL_NAMES[firstLevel]}: ${allowed ? "allowed" : "NOT allowed"}`,
  );

  // 4. The registered verifying key, fetched from the verifier.
  let vkey: SnarkjsVerificationKey | undefined;
  try {
    const bytes: string = await verifier.verifyingKey(model.verifyingKeyId);
    const matches = keccak256(bytes) === model.verifyingKeyId;
    vkey = decodeVerifyingKey(bytes);
    add(
      "verifying-key",
      matches && vkey.nPublic === 3 ? "pass" : "fail",
      `${model.verifyingKeyId}: ${(bytes.length - 2) / 2} bytes from the verifier${matches ? ", keccak256 matches its id" : ", keccak256 does NOT match its id"}, ${vkey.nPublic} public signals`,
    );
  } catch (e) {
    add(
      "verifying-key",
      "fail",
      `cannot read key ${model.verifyingKeyId} from the verifier: ${(e as Error).message.split("\n")[0]}`,
    );
  }

  // 5. Commitments and output recomputed from the input.
  if (opts.input === undefined) {
    add(
      "input-commitment",
      "skip",
      "no input given (--input f.json --salt n re-computes the input commitment and the output)",
    );
  } else {
    let compiled: CompiledModel | undefined;
    try {
      compiled = await openRegisteredModel(model);
    } catch (e) {
      add("input-commitment", "fail", `cannot evaluate the model here: ${(e as Error).message}`);
    }
    if (compiled) {
      const inf = await infer(compiled, opts.input, { salt: opts.salt });
      const name = opts.inputName ?? "the input";
      add(
        "input-commitment",
        inf.inputCommitment === claim.inputCommitment ? "pass" : "fail",
        inf.inputCommitment === claim.inputCommitment
          ? `Poseidon commitment of ${name} with salt ${opts.salt} equals the claim's`
          : `Poseidon commitment of ${name} with salt ${opts.salt} is ${inf.inputCommitment}, the claim's is ${claim.inputCommitment}`,
      );
      add(
        "output",
        inf.output === claim.output ? "pass" : "fail",
        inf.output === claim.output
          ? `the integer evaluator of circuit ${compiled.ref.circuitId} on ${name} gives the claim's output ${claim.output} (label ${inf.result.label})`
          : `the integer evaluator of circuit ${compiled.ref.circuitId} on ${name} gives ${inf.output} (label ${inf.result.label}), the claim says ${claim.output}`,
      );
    }
  }

  // 6. Proofs (Proven claims, raises and refutations are all proofs against the registered key).
  const proofs = ev("ClaimProven");
  if (proofs.length === 0) {
    add(
      "proof",
      "skip",
      `not Proven: no proof was submitted${recordedLevel !== LEVEL.None ? " (it stands on a signature; a proof can still raise or refute it)" : ""}`,
    );
  }
  for (const p of proofs) {
    const beneficiary = getAddress(p.args.beneficiary as string);
    const words = p.call?.name === "submitProven" ? (p.call.args[1] as bigint[]) : undefined;
    if (!words) {
      add(
        "proof",
        "fail",
        `the proof in tx ${p.txHash} was submitted through ${p.to}: its calldata is not the hub's, so the proof cannot be read back`,
      );
      continue;
    }
    if (!vkey) {
      add("proof", "fail", `the proof in tx ${p.txHash} cannot be checked without the registered key`);
      continue;
    }
    const signals = [claim.inputCommitment, claim.output, bindingFor(claimId, beneficiary)];
    const ok = await groth16Verify(vkey, signals, decodeProofCalldata(words));
    add(
      "proof",
      ok ? "pass" : "fail",
      `Groth16 proof from tx ${p.txHash} ${ok ? "verifies" : "does NOT verify"} off-chain against key ${short(model.verifyingKeyId)} for [input commitment, output, binding(claim, ${beneficiary})]`,
    );
  }

  // 7. Signatures: the enclave key (Attested) or the staked operator (Signed, batched).
  for (const a of ev("ClaimAttested")) {
    const key = getAddress(a.args.key as string);
    const call = a.call?.name === "submitAttested" ? a.call : undefined;
    if (call) {
      const signer = recoverAddress(claimId, Signature.from({ r: call.args[1], yParityAndS: call.args[2] }));
      add(
        "attested-signature",
        signer === key ? "pass" : "fail",
        `signature in tx ${a.txHash} recovers to ${signer}${signer === key ? ", the enclave key" : `, not the enclave key ${key}`}`,
      );
    }
    const k = await protocol.enclaveKey(key);
    if (Number(k.imageIndex) === 0) {
      add("enclave-key", "fail", `enclave key ${key} is not registered`);
      continue;
    }
    const expiresAt = Number(k.expiresAt);
    const validThen = a.timestamp <= expiresAt;
    const nowTs = (await ctx.provider.getBlock("latest"))!.timestamp;
    add(
      "enclave-key",
      validThen && !k.revoked ? "pass" : "fail",
      `${key}: registered for image ${short(k.measurement)} from attestation document ${short(k.attestationDocHash)}; expires ${when(expiresAt)} (${validThen ? "valid" : "EXPIRED"} when the claim was recorded${nowTs > expiresAt ? ", expired since" : ""})${k.revoked ? "; REVOKED" : "; not revoked"}`,
    );
    if (!opts.attestation) {
      add(
        "attestation",
        "skip",
        `document ${short(k.attestationDocHash)} not given (--attestation <file or dir>): the registrar's off-chain check is not repeated`,
      );
    } else {
      const doc = opts.attestation.find(String(k.attestationDocHash));
      if (!doc)
        add("attestation", "fail", `no document with hash ${k.attestationDocHash} among the given attestation files`);
      else {
        const r = checkAttestationDocument(
          doc,
          { address: key, measurement: k.measurement, docHash: k.attestationDocHash, expiresAt },
          opts.attestation.roots,
        );
        add("attestation", r.ok ? "pass" : "fail", `${r.detail} (root: ${opts.attestation.rootName})`);
      }
    }
    const images: string[] = (await protocol.approvedImages(claim.modelId)).map((x: string) => x.toLowerCase());
    const image = await protocol.enclaveImage(k.measurement);
    const approved = images.includes(String(k.measurement).toLowerCase());
    add(
      "enclave-image",
      approved && !image.revoked ? "pass" : "fail",
      `image ${short(k.measurement)} is ${approved ? "approved" : "NOT approved"} for the model${image.revoked ? ` and was REVOKED at ${when(Number(image.revokedAt))}` : ", not revoked"}`,
    );
    await backerCheck(k.operator, "enclave key's operator");
  }
  for (const s of ev("ClaimSigned")) {
    const operator = getAddress(s.args.operator as string);
    const imported = ev("BatchClaimImported").find((b) => b.txHash === s.txHash);
    if (imported) {
      const root = imported.args.root as string;
      const call = imported.call?.name === "importBatchedClaim" ? imported.call : undefined;
      const batch = await protocol.batchOf(root);
      const poster = getAddress(batch.operator);
      if (call) {
        const proof = [...(call.args[2] as string[])];
        const folded = foldMerkle(batchLeaf(claimId), proof);
        add(
          "batch-membership",
          folded === root && poster === operator ? "pass" : "fail",
          `Merkle proof from tx ${s.txHash} places the claim under root ${short(root)}${folded === root ? "" : ` (it folds to ${short(folded)}, NOT the root)`}, posted by ${poster}${poster === operator ? "" : `, not the recorded operator ${operator}`} at ${when(Number(batch.postedAt))}`,
        );
      } else {
        add(
          "batch-membership",
          "fail",
          `the import in tx ${s.txHash} was not a direct hub call: its Merkle proof cannot be read back`,
        );
      }
    } else if (s.call?.name === "submitSigned") {
      const signer = recoverAddress(claimId, Signature.from({ r: s.call.args[1], yParityAndS: s.call.args[2] }));
      add(
        "signature",
        signer === operator ? "pass" : "fail",
        `signature in tx ${s.txHash} recovers to ${signer}${signer === operator ? ", the recorded operator" : `, not the recorded operator ${operator}`}`,
      );
    } else {
      add("signature", "fail", `the signature in tx ${s.txHash} went through ${s.to}: it cannot be read back`);
    }
    const stakedThen: boolean = await protocol.isStaked(operator, { blockTag: s.blockNumber });
    const minStake: bigint = (await protocol.protocolParams()).minStake;
    add(
      "signer-staked",
      stakedThen ? "pass" : "fail",
      `operator ${operator} ${stakedThen ? "had" : "did NOT have"} the minimum stake (${formatEther(minStake)} ETH) when the claim was recorded (block ${s.blockNumber})`,
    );
    await backerCheck(operator, "operator");
  }

  async function backerCheck(backer: string, role: string) {
    if (backer === "0x0000000000000000000000000000000000000000") {
      add("backer", "info", `no staked ${role}: nothing can be slashed if a proof refutes the claim`);
      return;
    }
    const acc = await protocol.operatorAccount(backer);
    add(
      "backer",
      "info",
      `${role} ${getAddress(backer)} now has ${formatEther(acc.active)} ETH active and ${formatEther(acc.unbonding)} ETH unbonding stake${Number(acc.openDisputes) ? `, ${acc.openDisputes} open dispute(s)` : ""}`,
    );
  }

  // 8. Finality and disputes.
  if (!receipt.refuted && recordedLevel !== LEVEL.None) {
    const final: boolean = await protocol.isFinal(claimId);
    const challenges = ev("ClaimChallenged");
    const defended = ev("ChallengeDefeated");
    const history8 = [
      challenges.length ? `${challenges.length} challenge(s)` : "never challenged",
      defended.length ? `${defended.length} defended by proof` : "",
    ]
      .filter(Boolean)
      .join(", ");
    if (final) {
      add(
        "finality",
        "pass",
        `final (${recordedLevel === LEVEL.Proven ? "Proven" : `challenge window closed ${when(Number(receipt.challengeEnd))}`}; ${history8})`,
      );
    } else if (receipt.disputed) {
      const d = await protocol.disputeOf(claimId);
      add(
        "finality",
        "info",
        `not final: challenged by ${d.challenger}, the backer must answer with a proof by ${when(Number(d.responseDeadline))}`,
      );
    } else {
      add(
        "finality",
        "info",
        `not final: open to challenges until ${when(Number(receipt.challengeEnd))} (${history8})`,
      );
    }
  }
  return report();
}

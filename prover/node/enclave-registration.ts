// Registering an enclave's signing key on chain: the attestation-verifier role's job.
//
// The chain does not parse attestation documents. This flow does what the role vouches for
// (IEnclaveRegistry): challenge the enclave with a fresh nonce, verify its document against the
// pinned root (certificate chain, ES384 signature, freshness, nonce, no debug PCRs), require its
// PCRs to be an image that every model the key will serve approves on chain, and that the
// document binds the enclave's key; only then call registerEnclaveKey as the role, recording the
// document's hash (the document itself is kept for auditors), an expiry no later than the
// attestation's certificate chain, and the operator whose stake backs the key with its consent:
// its EIP-712 signature over EnclaveKeyBacking(key, measurement, expiresAt) (chain/
// enclave-backing.ts), or none when the registering account is the operator itself.
//
// A development CA root (attest/dev-ca.ts) is refused on any chain that is not a local
// development chain: its keys sit on disk, so a document chaining to it proves nothing.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Contract, keccak256 } from "ethers";
import { isDevRoot, requireDevelopmentChain } from "../attest/dev-ca.js";
import type { EnclaveClient } from "../attest/enclave-client.js";
import { imageMeasurementId } from "../attest/image-measurement.js";
import type { ApprovedImage } from "../attest/pcr-policy.js";
import type { RootSpec } from "../attest/pinned-root.js";
import { verifyAttestation, type VerifiedAttestation } from "../attest/verify-attestation.js";
import type { TypedDataSigner } from "../chain/claim.js";
import { type EnclaveKeyBacking, signEnclaveKeyBacking } from "../chain/enclave-backing.js";
import { AssayError } from "../errors.js";
import type { TxInfo } from "./claim-store.js";
import { TxSender } from "./tx-sender.js";

export { imageMeasurementId, MEASURED_PCRS } from "../attest/image-measurement.js";

export class EnclaveRegistrationError extends AssayError {}

export interface RegisterEnclaveOptions {
  /** AssayProtocol connected to an account holding ATTESTATION_VERIFIER_ROLE. */
  protocol: Contract;
  enclave: Pick<EnclaveClient, "address" | "attest">;
  /** Pinned roots the document must chain to (the development root, or AWS Nitro's). */
  roots: readonly RootSpec[];
  /** Models the key will sign for: the enclave's image must be approved for each. */
  modelIds: readonly string[];
  /** PCR sets of the images the registrar knows (e.g. enclaveImage(...) of a release). */
  images: readonly ApprovedImage[];
  /** Account whose stake backs the key's claims (it must be staked). */
  operator: string;
  /**
   * The operator's signer, which consents to back the key (EnclaveKeyBacking). Not needed when
   * the protocol contract is connected to the operator's own account.
   */
  operatorSigner?: TypedDataSigner;
  /** Upper bound on the key's lifetime in seconds (default 24 h; never past the certificate chain). */
  maxLifetimeSeconds?: number;
  /** Where to keep the attestation document (file named by its keccak256). */
  attestationDir?: string;
  /** The verifier's clock (default now). */
  now?: Date;
}

export interface RegisteredEnclave {
  key: string;
  measurement: string;
  attestationDocHash: string;
  expiresAt: number;
  transaction: TxInfo;
  verified: VerifiedAttestation;
  documentFile?: string;
}

export async function registerEnclave(o: RegisterEnclaveOptions): Promise<RegisteredEnclave> {
  if (o.modelIds.length === 0) throw new EnclaveRegistrationError("an enclave key must serve at least one model");
  const provider = o.protocol.runner?.provider;
  if (!provider) throw new EnclaveRegistrationError("the protocol contract has no provider");
  const chainId = (await provider.getNetwork()).chainId;
  if (o.roots.some((root) => isDevRoot(root))) requireDevelopmentChain(chainId, "the development CA root");
  const registrar = await registrarAddress(o.protocol);
  if (!o.operatorSigner && registrar?.toLowerCase() !== o.operator.toLowerCase()) {
    throw new EnclaveRegistrationError(
      `operator ${o.operator} must consent to back the enclave key: pass its signer (operatorSigner), ` +
        "or register the key from the operator's own account",
    );
  }
  const candidates = await approvedCandidates(o);

  const nonce = new Uint8Array(randomBytes(32));
  const document = await o.enclave.attest(nonce);
  const now = o.now ?? new Date();
  const verified = verifyAttestation(document, {
    roots: o.roots,
    now,
    expectedNonce: nonce,
    allowedPcrs: candidates.map((c) => c.image),
    expectedSigner: o.enclave.address,
  });
  const measurement = candidates[verified.approvedImage!].id;
  if (imageMeasurementId(verified.pcrs) !== measurement)
    throw new EnclaveRegistrationError("the document's PCRs do not hash to the approved measurement");

  // Expiry on the chain's clock: the remaining validity of the attestation, capped.
  // The next block's time: never before the latest block, nor (on an idle dev chain) before now.
  const chainNow = Math.max((await provider.getBlock("latest"))!.timestamp, Math.floor(now.getTime() / 1000));
  const validFor = Math.floor((verified.validUntil.getTime() - now.getTime()) / 1000);
  const lifetime = Math.min(validFor, o.maxLifetimeSeconds ?? 86_400);
  if (lifetime <= 60)
    throw new EnclaveRegistrationError(
      `the attestation's certificates expire in ${validFor} s: too soon to register a key`,
    );
  const expiresAt = chainNow + lifetime;

  const attestationDocHash = keccak256(document);
  const documentFile = await keepDocument(o.attestationDir, attestationDocHash, document);
  const backing: EnclaveKeyBacking = { key: o.enclave.address, measurement, expiresAt };
  const operatorSignature = o.operatorSigner
    ? await signEnclaveKeyBacking(o.operatorSigner, backing, chainId, await o.protocol.getAddress())
    : "0x";
  const sender = new TxSender(o.protocol.interface);
  const transaction = await sender.send("registerEnclaveKey", () =>
    o.protocol.registerEnclaveKey(
      o.enclave.address,
      measurement,
      attestationDocHash,
      expiresAt,
      o.operator,
      operatorSignature,
    ),
  );
  return { key: o.enclave.address, measurement, attestationDocHash, expiresAt, transaction, verified, documentFile };
}

/** Images the registrar knows whose measurement every model approves on chain. */
async function approvedCandidates(o: RegisterEnclaveOptions) {
  const known = o.images.map((image) => ({ image, id: imageMeasurementId(image) }));
  let candidates = known;
  for (const modelId of o.modelIds) {
    const approved = new Set<string>((await o.protocol.approvedImages(modelId)).map((m: string) => m.toLowerCase()));
    candidates = candidates.filter((c) => approved.has(c.id.toLowerCase()));
    if (candidates.length === 0) {
      throw new EnclaveRegistrationError(
        `none of the ${known.length} known enclave image(s) is approved on chain for model ${modelId}`,
      );
    }
  }
  return candidates;
}

/** The account the protocol contract sends from, when it is connected to a signer. */
async function registrarAddress(protocol: Contract): Promise<string | undefined> {
  const runner = protocol.runner as { getAddress?: () => Promise<string> } | null;
  return runner?.getAddress ? runner.getAddress() : undefined;
}

/** Keeps the attestation document as <dir>/<keccak256>.cose for auditors. */
async function keepDocument(dir: string | undefined, hash: string, document: Uint8Array) {
  if (!dir) return undefined;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${hash.slice(2)}.cose`);
  await writeFile(file, document);
  return file;
}

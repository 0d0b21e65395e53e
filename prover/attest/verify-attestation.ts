// Verifies an AWS Nitro Enclaves attestation document (or one from assay's development enclave,
// which has the same format) and returns its verified contents.
//
// Checks, in order; the first failure throws its AttestationError:
//   1. COSE_Sign1 structure, tag 18 optional; protected header alg ES384 (-35)   BadCose, UnsupportedAlgorithm
//   2. payload fields and types per the Nitro format                              BadPayload
//   3. certificate chain pinned root == cabundle[0] -> ... -> leaf, valid at now  UntrustedRoot, ChainInvalid,
//                                                                                CertExpired, CertNotYetValid
//   4. ES384 signature over Sig_structure with the leaf's P-384 key              BadSignature
//   5. no debug-mode PCRs; PCRs match an approved image (if images are given)    DebugPcrs, PcrMismatch
//   6. timestamp no older than maxAgeMs and not ahead of now beyond the skew     Stale, FutureTimestamp
//   7. nonce equals the expected nonce (if given)                                NonceMismatch
//   8. the payload binds the expected signer / public key (if given)             KeyNotBound
import { parseAttestationPayload, type AttestationPayload } from "./attestation-document.js";
import { verifyCertificateChain } from "./certificate-chain.js";
import { parseCoseSign1, verifyCoseSign1 } from "./cose-sign1.js";
import { BadSignatureError, FutureTimestampError, NonceMismatchError, StaleError } from "./errors.js";
import { boundSigner, checkKeyBinding, type BoundSigner } from "./key-binding.js";
import { checkDebugPcrs, matchApprovedImage, type ApprovedImage } from "./pcr-policy.js";
import { loadRoots, type RootSpec } from "./pinned-root.js";

export const DEFAULT_MAX_AGE_MS = 5 * 60_000;
export const DEFAULT_MAX_CLOCK_SKEW_MS = 60_000;

export interface VerifyAttestationOptions {
  /** Trusted roots; the document's cabundle must start at one of them. */
  roots: readonly RootSpec[];
  /** The verifier's clock: certificates must be valid and the document fresh at this time. */
  now: Date;
  /** The challenge the document must carry in `nonce`. */
  expectedNonce?: Uint8Array;
  /** Approved enclave images; when given, the PCRs must match one of them. */
  allowedPcrs?: readonly ApprovedImage[];
  /** Oldest acceptable document, in ms before `now` (default 5 minutes). */
  maxAgeMs?: number;
  /** How far the document's timestamp may lie ahead of `now`, in ms (default 60 s). */
  maxClockSkewMs?: number;
  /** Bytes `public_key` must equal exactly. */
  expectedPublicKey?: Uint8Array;
  /** Ethereum address the document must bind (see key-binding.ts). */
  expectedSigner?: string;
}

export interface VerifiedAttestation extends AttestationPayload {
  /** The secp256k1 signer the document binds, if any. */
  signer: BoundSigner | null;
  /** Index into `allowedPcrs` of the matching image, or null when no images were given. */
  approvedImage: number | null;
  /** SHA-256 (hex) of the pinned root the chain ends at. */
  rootSha256: string;
  /** Subject of the leaf certificate that signed the document. */
  leafSubject: string;
  /** The earliest expiry along the chain: trust in the bound key should end here. */
  validUntil: Date;
}

export function verifyAttestation(doc: Uint8Array, opts: VerifyAttestationOptions): VerifiedAttestation {
  const roots = loadRoots(opts.roots);
  const cose = parseCoseSign1(doc);
  const payload = parseAttestationPayload(cose.payload);

  const chain = verifyCertificateChain(roots, payload.cabundle, payload.certificate, opts.now);
  if (!verifyCoseSign1(cose, chain.leaf.x509.publicKey)) throw new BadSignatureError();

  checkDebugPcrs(payload.pcrs);
  const approvedImage = opts.allowedPcrs ? matchApprovedImage(payload.pcrs, opts.allowedPcrs) : null;

  const now = opts.now.getTime();
  const maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const maxSkewMs = opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (payload.timestamp > now + maxSkewMs)
    throw new FutureTimestampError(new Date(payload.timestamp), opts.now, maxSkewMs);
  if (now - payload.timestamp > maxAgeMs) throw new StaleError(new Date(payload.timestamp), opts.now, maxAgeMs);

  if (opts.expectedNonce !== undefined) {
    const want = Buffer.from(opts.expectedNonce);
    if (!payload.nonce || !want.equals(Buffer.from(payload.nonce))) {
      throw new NonceMismatchError(
        want.toString("hex"),
        payload.nonce ? Buffer.from(payload.nonce).toString("hex") : null,
      );
    }
  }

  const signer = boundSigner(payload);
  checkKeyBinding(payload, signer, opts);

  return {
    ...payload,
    signer,
    approvedImage,
    rootSha256: chain.root.sha256,
    leafSubject: chain.leaf.subject,
    validUntil: chain.validUntil,
  };
}

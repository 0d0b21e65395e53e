// Typed rejections of an attestation document. Every rejection is an AttestationError with a
// stable `code` (for callers, logs and the CLI) and the facts that explain it.
import { AssayError } from "../errors.js";

export type AttestationErrorCode =
  | "BadCose"
  | "UnsupportedAlgorithm"
  | "BadPayload"
  | "BadRoot"
  | "UntrustedRoot"
  | "ChainInvalid"
  | "CertExpired"
  | "CertNotYetValid"
  | "BadSignature"
  | "DebugPcrs"
  | "PcrMismatch"
  | "Stale"
  | "FutureTimestamp"
  | "NonceMismatch"
  | "KeyNotBound";

export abstract class AttestationError extends AssayError {
  abstract readonly code: AttestationErrorCode;
}

/** The bytes are not a COSE_Sign1 structure (CBOR array of protected, unprotected, payload, signature). */
export class BadCoseError extends AttestationError {
  readonly code = "BadCose";
  constructor(readonly reason: string) {
    super(`attestation document is not a valid COSE_Sign1: ${reason}`);
  }
}

/** The protected header names an algorithm other than ES384 (COSE -35), or a critical header we do not know. */
export class UnsupportedAlgorithmError extends AttestationError {
  readonly code = "UnsupportedAlgorithm";
  constructor(
    readonly alg: unknown,
    readonly reason = "expected ES384 (-35)",
  ) {
    super(`attestation document uses algorithm ${String(alg)}: ${reason}`);
  }
}

/** A payload field is missing or has the wrong CBOR type or size for the Nitro attestation format. */
export class BadPayloadError extends AttestationError {
  readonly code = "BadPayload";
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`attestation payload field ${field}: ${reason}`);
  }
}

/** A pinned root is malformed, is not a CA, or does not have its pinned SHA-256 fingerprint. */
export class BadRootError extends AttestationError {
  readonly code = "BadRoot";
  constructor(readonly reason: string) {
    super(`pinned root certificate rejected: ${reason}`);
  }
}

/** The document's CA bundle does not start at any pinned root. */
export class UntrustedRootError extends AttestationError {
  readonly code = "UntrustedRoot";
  constructor(
    readonly bundleRootSha256: string,
    readonly bundleRootSubject: string,
    readonly pinned: readonly string[],
  ) {
    super(
      `attestation chain starts at ${bundleRootSubject} (sha256 ${bundleRootSha256}), ` +
        `which is none of the ${pinned.length} pinned root(s)`,
    );
  }
}

/** A link of the chain root -> cabundle -> leaf does not hold (issuer, signature, CA constraints, key type). */
export class ChainInvalidError extends AttestationError {
  readonly code = "ChainInvalid";
  constructor(
    readonly position: number,
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`certificate chain invalid at position ${position} (${subject}): ${reason}`);
  }
}

/** A certificate of the chain expired before `now`. */
export class CertExpiredError extends AttestationError {
  readonly code = "CertExpired";
  constructor(
    readonly subject: string,
    readonly notAfter: Date,
    readonly now: Date,
  ) {
    super(`certificate ${subject} expired at ${notAfter.toISOString()} (now ${now.toISOString()})`);
  }
}

/** A certificate of the chain is not valid yet at `now`. */
export class CertNotYetValidError extends AttestationError {
  readonly code = "CertNotYetValid";
  constructor(
    readonly subject: string,
    readonly notBefore: Date,
    readonly now: Date,
  ) {
    super(`certificate ${subject} is valid only from ${notBefore.toISOString()} (now ${now.toISOString()})`);
  }
}

/** The ES384 signature over the Sig_structure does not verify with the leaf certificate's key. */
export class BadSignatureError extends AttestationError {
  readonly code = "BadSignature";
  constructor(readonly reason = "ES384 signature does not verify with the leaf certificate's key") {
    super(`attestation signature invalid: ${reason}`);
  }
}

/** An image PCR (PCR0..PCR2) is all zero: the enclave runs in debug mode and its memory is open to the host. */
export class DebugPcrsError extends AttestationError {
  readonly code = "DebugPcrs";
  constructor() {
    super("attestation comes from an enclave in debug mode (an image PCR among PCR0..PCR2 is all zero)");
  }
}

/** The PCRs match none of the approved images. */
export class PcrMismatchError extends AttestationError {
  readonly code = "PcrMismatch";
  constructor(
    readonly pcrs: Readonly<Record<number, string>>,
    readonly approvedImages: number,
    readonly detail: string,
  ) {
    super(`attestation PCRs match none of the ${approvedImages} approved image(s): ${detail}`);
  }
}

/** The document is older than the allowed age. */
export class StaleError extends AttestationError {
  readonly code = "Stale";
  constructor(
    readonly timestamp: Date,
    readonly now: Date,
    readonly maxAgeMs: number,
  ) {
    super(
      `attestation from ${timestamp.toISOString()} is ${now.getTime() - timestamp.getTime()} ms old ` +
        `(at most ${maxAgeMs} ms allowed)`,
    );
  }
}

/** The document's timestamp lies in the future beyond the allowed clock skew. */
export class FutureTimestampError extends AttestationError {
  readonly code = "FutureTimestamp";
  constructor(
    readonly timestamp: Date,
    readonly now: Date,
    readonly maxSkewMs: number,
  ) {
    super(
      `attestation timestamp ${timestamp.toISOString()} is ahead of now ${now.toISOString()} ` +
        `by more than ${maxSkewMs} ms`,
    );
  }
}

/** The document does not carry the nonce the verifier asked for. */
export class NonceMismatchError extends AttestationError {
  readonly code = "NonceMismatch";
  constructor(
    readonly expected: string,
    readonly got: string | null,
  ) {
    super(`attestation nonce is ${got ?? "absent"}, expected ${expected}`);
  }
}

/** The document does not bind the expected signing key. */
export class KeyNotBoundError extends AttestationError {
  readonly code = "KeyNotBound";
  constructor(readonly reason: string) {
    super(`attestation does not bind the expected key: ${reason}`);
  }
}

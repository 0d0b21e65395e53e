// COSE_Sign1 (RFC 9052 section 4.2) as AWS Nitro Enclaves uses it:
//   COSE_Sign1 = [ protected: bstr .cbor {1: -35}, unprotected: {}, payload: bstr, signature: bstr ]
// optionally wrapped in CBOR tag 18. The signature is ECDSA P-384 with SHA-384 (ES384, COSE
// algorithm -35), written as r || s (48 bytes each), over the CBOR encoding of
//   Sig_structure = [ "Signature1", protected, external_aad = h'', payload ].
import { sign, verify, type KeyObject } from "node:crypto";
import { Tag } from "cbor-x";
import { decodeCbor, encodeCbor, isBytes, isTag } from "./cbor-codec.js";
import { BadCoseError, UnsupportedAlgorithmError } from "./errors.js";

export const COSE_SIGN1_TAG = 18;
export const COSE_HEADER_ALG = 1;
export const COSE_HEADER_CRIT = 2;
export const COSE_ALG_ES384 = -35;
export const ES384_SIGNATURE_BYTES = 96;

export interface CoseSign1 {
  /** The protected header exactly as carried (the signature covers these bytes). */
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  /** The payload exactly as carried (the signature covers these bytes). */
  payload: Uint8Array;
  signature: Uint8Array;
  tagged: boolean;
}

/** Parses a COSE_Sign1 and checks that its protected header selects ES384. */
export function parseCoseSign1(bytes: Uint8Array): CoseSign1 {
  let item: unknown;
  try {
    item = decodeCbor(bytes);
  } catch (e) {
    throw new BadCoseError(`CBOR decoding failed (${(e as Error).message})`);
  }
  let tagged = false;
  if (isTag(item)) {
    if (item.tag !== COSE_SIGN1_TAG) throw new BadCoseError(`unexpected CBOR tag ${item.tag} (COSE_Sign1 is 18)`);
    item = item.value;
    tagged = true;
  }
  if (!Array.isArray(item) || item.length !== 4) throw new BadCoseError("expected an array of 4 items");
  const [protectedBytes, unprotectedHeader, payload, signature] = item;
  if (!isBytes(protectedBytes) || protectedBytes.length === 0) {
    throw new BadCoseError("protected header must be a non-empty byte string");
  }
  if (!(unprotectedHeader instanceof Map)) throw new BadCoseError("unprotected header must be a map");
  if (!isBytes(payload)) throw new BadCoseError("payload must be a byte string (detached payloads are not used)");
  if (!isBytes(signature)) throw new BadCoseError("signature must be a byte string");

  let protectedHeader: unknown;
  try {
    protectedHeader = decodeCbor(protectedBytes);
  } catch (e) {
    throw new BadCoseError(`protected header is not CBOR (${(e as Error).message})`);
  }
  if (!(protectedHeader instanceof Map)) throw new BadCoseError("protected header must encode a map");
  const alg = protectedHeader.get(COSE_HEADER_ALG);
  if (alg !== COSE_ALG_ES384) throw new UnsupportedAlgorithmError(alg);
  if (protectedHeader.has(COSE_HEADER_CRIT)) {
    throw new UnsupportedAlgorithmError(
      alg,
      "the protected header lists critical parameters this verifier does not know",
    );
  }
  if (unprotectedHeader.has(COSE_HEADER_ALG)) {
    throw new BadCoseError("the algorithm must be in the protected header only");
  }
  if (signature.length !== ES384_SIGNATURE_BYTES) {
    throw new BadCoseError(`ES384 signature must be ${ES384_SIGNATURE_BYTES} bytes (r || s), got ${signature.length}`);
  }
  return {
    protectedBytes: copy(protectedBytes),
    protectedHeader,
    unprotectedHeader,
    payload: copy(payload),
    signature: copy(signature),
    tagged,
  };
}

/** CBOR encoding of Sig_structure for COSE_Sign1 with empty external_aad. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(["Signature1", protectedBytes, new Uint8Array(0), payload]);
}

/** True when `signature` (r || s) is a valid ES384 signature of the message with `publicKey`. */
export function verifyCoseSign1(message: CoseSign1, publicKey: KeyObject): boolean {
  return verify(
    "sha384",
    sigStructure(message.protectedBytes, message.payload),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    message.signature,
  );
}

/** The protected header Nitro writes: {1: -35}. */
export function es384ProtectedHeader(): Uint8Array {
  return encodeCbor(new Map([[COSE_HEADER_ALG, COSE_ALG_ES384]]));
}

/** Signs `payload` as a COSE_Sign1 with ES384 (untagged unless asked), exactly as the Nitro Security Module does. */
export function signCoseSign1(payload: Uint8Array, key: KeyObject, options: { tagged?: boolean } = {}): Uint8Array {
  if (
    key.type !== "private" ||
    key.asymmetricKeyType !== "ec" ||
    key.asymmetricKeyDetails?.namedCurve !== "secp384r1"
  ) {
    throw new Error("ES384 needs a P-384 (secp384r1) private key");
  }
  const protectedBytes = es384ProtectedHeader();
  const signature = sign("sha384", sigStructure(protectedBytes, payload), { key, dsaEncoding: "ieee-p1363" });
  const body = [protectedBytes, new Map(), payload, new Uint8Array(signature)];
  return encodeCbor(options.tagged ? new Tag(body, COSE_SIGN1_TAG) : body);
}

function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

// How an attestation document binds the enclave's secp256k1 signing key (its Ethereum address).
//
// Convention (assay, version 1). The binding is read from the signed payload, in this order:
//   1. public_key = the enclave's secp256k1 public key, either the 65-byte uncompressed SEC1
//      point 0x04 || X || Y (what assay's enclave writes) or its DER SubjectPublicKeyInfo
//      (id-ecPublicKey, secp256k1). The point must be on the curve.
//   2. user_data = the 16 ASCII bytes "assay/signer/v1:" followed by the 20-byte address, for
//      enclaves that need public_key for something else (e.g. a KMS recipient key).
// The signer's address is keccak256(X || Y)[12..32], the Ethereum rule. If both fields bind a
// key they must name the same address. Any other public_key / user_data binds nothing (the
// document may still be valid, but it cannot register a signing key).
import { createPublicKey } from "node:crypto";
import { computeAddress, getAddress, getBytes, hexlify, SigningKey } from "ethers";
import type { AttestationPayload } from "./attestation-document.js";
import { KeyNotBoundError } from "./errors.js";

export const SIGNER_USER_DATA_PREFIX = new TextEncoder().encode("assay/signer/v1:");
export const UNCOMPRESSED_SECP256K1_BYTES = 65;

export interface BoundSigner {
  /** Checksummed Ethereum address of the enclave's signing key. */
  address: string;
  /** 0x04 || X || Y, when the key itself is in the document (binding 1). */
  publicKey: Uint8Array | null;
  via: "public_key" | "user_data";
}

/** The uncompressed secp256k1 key in `bytes` (raw point or SPKI DER), or null if it is not one. */
export function secp256k1KeyFrom(bytes: Uint8Array): Uint8Array | null {
  let raw: Uint8Array | null = null;
  if (bytes.length === UNCOMPRESSED_SECP256K1_BYTES && bytes[0] === 0x04) {
    raw = bytes;
  } else if (bytes[0] === 0x30) {
    try {
      const key = createPublicKey({ key: Buffer.from(bytes), format: "der", type: "spki" });
      if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "secp256k1") return null;
      const jwk = key.export({ format: "jwk" });
      raw = new Uint8Array([4, ...Buffer.from(jwk.x!, "base64url"), ...Buffer.from(jwk.y!, "base64url")]);
    } catch {
      return null;
    }
  }
  if (raw === null) return null;
  try {
    // Throws unless the point is on the curve.
    return getBytes(SigningKey.computePublicKey(hexlify(raw), false));
  } catch {
    return null;
  }
}

/** The signer the payload binds, or null if it binds none. Throws KeyNotBoundError if its two bindings disagree. */
export function boundSigner(payload: Pick<AttestationPayload, "publicKey" | "userData">): BoundSigner | null {
  const key = payload.publicKey ? secp256k1KeyFrom(payload.publicKey) : null;
  const fromKey = key ? computeAddress(hexlify(key)) : null;
  const fromUserData = payload.userData ? signerAddressFromUserData(payload.userData) : null;
  if (fromKey && fromUserData && fromKey !== fromUserData) {
    throw new KeyNotBoundError(`public_key binds ${fromKey} but user_data binds ${fromUserData}`);
  }
  if (fromKey) return { address: fromKey, publicKey: key, via: "public_key" };
  if (fromUserData) return { address: fromUserData, publicKey: null, via: "user_data" };
  return null;
}

/** user_data for binding 2: the prefix followed by the 20-byte address. */
export function signerUserData(address: string): Uint8Array {
  const addr = Buffer.from(getAddress(address).slice(2), "hex");
  return new Uint8Array([...SIGNER_USER_DATA_PREFIX, ...addr]);
}

function signerAddressFromUserData(userData: Uint8Array): string | null {
  const n = SIGNER_USER_DATA_PREFIX.length;
  if (userData.length !== n + 20) return null;
  if (!SIGNER_USER_DATA_PREFIX.every((b, i) => userData[i] === b)) return null;
  return getAddress(hexlify(userData.subarray(n)));
}

/**
 * Checks the binding the verifier asked for: `expectedSigner` (an address the payload must bind
 * by the convention above) and/or `expectedPublicKey` (bytes public_key must equal exactly).
 */
export function checkKeyBinding(
  payload: Pick<AttestationPayload, "publicKey" | "userData">,
  signer: BoundSigner | null,
  expected: { expectedSigner?: string; expectedPublicKey?: Uint8Array },
): void {
  if (expected.expectedPublicKey !== undefined) {
    const want = Buffer.from(expected.expectedPublicKey);
    if (!payload.publicKey) throw new KeyNotBoundError(`public_key is absent, expected 0x${want.toString("hex")}`);
    if (!want.equals(Buffer.from(payload.publicKey))) {
      throw new KeyNotBoundError(
        `public_key is 0x${Buffer.from(payload.publicKey).toString("hex")}, expected 0x${want.toString("hex")}`,
      );
    }
  }
  if (expected.expectedSigner !== undefined) {
    const want = getAddress(expected.expectedSigner);
    if (!signer)
      throw new KeyNotBoundError(`neither public_key nor user_data binds a secp256k1 signer (expected ${want})`);
    if (signer.address !== want) throw new KeyNotBoundError(`${signer.via} binds ${signer.address}, expected ${want}`);
  }
}

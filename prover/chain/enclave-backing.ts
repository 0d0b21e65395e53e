// An operator's consent to back an enclave key with its stake. The attestation-verifier role
// registers enclave keys, but it cannot put a key on an operator's stake by itself: the operator
// signs the EIP-712 struct EnclaveKeyBacking(key, measurement, expiresAt) in the receipt hub's
// domain (contracts/interfaces/IEnclaveRegistry.sol), or registers the key from its own account.
import { getAddress, isHexString, TypedDataEncoder, type TypedDataField } from "ethers";
import { hubDomain, type TypedDataSigner } from "./claim.js";

/** The terms an operator agrees to: this key, of this image, until this time (seconds). */
export interface EnclaveKeyBacking {
  key: string;
  /** bytes32 image measurement (imageMeasurementId). */
  measurement: string;
  /** uint40, seconds since the epoch. */
  expiresAt: bigint | number;
}

export const ENCLAVE_KEY_BACKING_TYPES: Record<string, TypedDataField[]> = {
  EnclaveKeyBacking: [
    { name: "key", type: "address" },
    { name: "measurement", type: "bytes32" },
    { name: "expiresAt", type: "uint40" },
  ],
};

export const ENCLAVE_KEY_BACKING_TYPE_STRING = "EnclaveKeyBacking(address key,bytes32 measurement,uint40 expiresAt)";

/** Bad backing terms; the message says which field and why. */
export class EnclaveKeyBackingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnclaveKeyBackingError";
  }
}

/** Everything `signer.signTypedData` takes to consent to `backing` on the hub at `hub`. */
export function enclaveKeyBackingTypedData(backing: EnclaveKeyBacking, chainId: bigint | number, hub: string) {
  let key: string;
  try {
    key = getAddress(backing.key);
  } catch {
    throw new EnclaveKeyBackingError(`enclave key ${backing.key} is not an address`);
  }
  if (!isHexString(backing.measurement, 32))
    throw new EnclaveKeyBackingError(`image measurement ${backing.measurement} is not 32-byte hex`);
  const expiresAt = BigInt(backing.expiresAt);
  if (expiresAt <= 0n || expiresAt >= 1n << 40n)
    throw new EnclaveKeyBackingError(`expiresAt ${backing.expiresAt} is not a positive uint40 (seconds)`);
  return {
    domain: hubDomain(chainId, hub),
    types: ENCLAVE_KEY_BACKING_TYPES,
    primaryType: "EnclaveKeyBacking" as const,
    message: { key, measurement: backing.measurement, expiresAt },
  };
}

/** The digest the operator signs (the hub's `enclaveKeyBackingDigest`). */
export function enclaveKeyBackingDigest(backing: EnclaveKeyBacking, chainId: bigint | number, hub: string): string {
  const { domain, types, message } = enclaveKeyBackingTypedData(backing, chainId, hub);
  return TypedDataEncoder.hash(domain, types, message);
}

/** The operator's consent signature (65 bytes, hex) for `registerEnclaveKey(..., operatorSignature)`. */
export async function signEnclaveKeyBacking(
  operator: TypedDataSigner,
  backing: EnclaveKeyBacking,
  chainId: bigint | number,
  hub: string,
): Promise<string> {
  const { domain, types, message } = enclaveKeyBackingTypedData(backing, chainId, hub);
  return operator.signTypedData(domain, types, message);
}

// The EIP-712 claim every level of evidence signs or proves, as the receipt hub defines it
// (contracts/interfaces/IReceiptHub.sol): typed data for ethers v6
// `signer.signTypedData`, and the claim id (the EIP-712 digest) computed exactly as the hub does.
import {
  concat,
  keccak256,
  Signature,
  TypedDataEncoder,
  getAddress,
  isHexString,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { FIELD_MODULUS } from "../field.js";

/** EIP-712 domain name and version of the receipt hub. */
export const HUB_DOMAIN_NAME = "AssayReceiptHub";
export const HUB_DOMAIN_VERSION = "1";

/** A claim: field elements as bigint, ids as 0x-prefixed 32-byte hex, deadline in seconds. */
export interface Claim {
  modelId: string;
  inputCommitment: bigint;
  output: bigint;
  requestId: string;
  deadline: bigint;
}

export const CLAIM_TYPES: Record<string, TypedDataField[]> = {
  Claim: [
    { name: "modelId", type: "bytes32" },
    { name: "inputCommitment", type: "uint256" },
    { name: "output", type: "uint256" },
    { name: "requestId", type: "bytes32" },
    { name: "deadline", type: "uint64" },
  ],
};

/** The claim a request makes about an inference: its input commitment and output, for the request's model. */
export function claimFor(
  request: { modelId: string; requestId: string; deadline: bigint },
  inference: { inputCommitment: bigint; output: bigint },
): Claim {
  return {
    modelId: request.modelId,
    inputCommitment: inference.inputCommitment,
    output: inference.output,
    requestId: request.requestId,
    deadline: request.deadline,
  };
}

/** The EIP-712 type string the hub hashes. */
export const CLAIM_TYPE_STRING =
  "Claim(bytes32 modelId,uint256 inputCommitment,uint256 output,bytes32 requestId,uint64 deadline)";

/** A claim field the hub would reject; `field` names it. */
export class ClaimFieldError extends Error {
  constructor(
    readonly field: keyof Claim | "hub" | "chainId" | "claimId" | "verifyingKeyId",
    readonly reason: string,
  ) {
    super(`claim ${field}: ${reason}`);
    this.name = "ClaimFieldError";
  }
}

/** Checks what the hub checks of the fields themselves (not expiry: that depends on the block). */
export function checkClaim(claim: Claim): void {
  if (!isHexString(claim.modelId, 32)) throw new ClaimFieldError("modelId", `${claim.modelId} is not 32-byte hex`);
  if (!isHexString(claim.requestId, 32))
    throw new ClaimFieldError("requestId", `${claim.requestId} is not 32-byte hex`);
  for (const field of ["inputCommitment", "output"] as const) {
    const v = claim[field];
    if (v < 0n || v >= FIELD_MODULUS) throw new ClaimFieldError(field, `${v} is not a BN254 field element (below r)`);
  }
  if (claim.deadline < 0n || claim.deadline >= 1n << 64n)
    throw new ClaimFieldError("deadline", `${claim.deadline} is not a uint64`);
}

/** The hub's EIP-712 domain on chain `chainId` at address `hub`. */
export function hubDomain(chainId: bigint | number, hub: string): TypedDataDomain {
  let verifyingContract: string;
  try {
    verifyingContract = getAddress(hub);
  } catch {
    throw new ClaimFieldError("hub", `${hub} is not an address`);
  }
  if (BigInt(chainId) <= 0n) throw new ClaimFieldError("chainId", `${chainId} is not a chain id`);
  return { name: HUB_DOMAIN_NAME, version: HUB_DOMAIN_VERSION, chainId: BigInt(chainId), verifyingContract };
}

/** Everything `signer.signTypedData(domain, types, message)` takes. */
export function claimTypedData(claim: Claim, chainId: bigint | number, hub: string) {
  checkClaim(claim);
  return {
    domain: hubDomain(chainId, hub),
    types: CLAIM_TYPES,
    primaryType: "Claim" as const,
    message: { ...claim },
  };
}

/** The claim id: EIP-712 digest of `claim` under the hub's domain (what `claimIdOf` returns). */
export function claimIdOf(claim: Claim, chainId: bigint | number, hub: string): string {
  checkClaim(claim);
  const key = `${chainId}:${hub.toLowerCase()}`;
  let separator = domainSeparators.get(key);
  if (separator === undefined) {
    separator = TypedDataEncoder.hashDomain(hubDomain(chainId, hub));
    if (domainSeparators.size > 64) domainSeparators.clear();
    domainSeparators.set(key, separator);
  }
  // keccak256("\x19\x01" ‖ domainSeparator ‖ structHash): EIP-712's digest, with the domain's
  // hash and the Claim encoder made once rather than per claim (a node computes one per request).
  return keccak256(concat(["0x1901", separator, CLAIM_ENCODER.hash(claim)]));
}

const domainSeparators = new Map<string, string>();
const CLAIM_ENCODER = TypedDataEncoder.from(CLAIM_TYPES);

/** The EIP-712 struct hash of `claim` (domain-independent). */
export function claimStructHash(claim: Claim): string {
  checkClaim(claim);
  return TypedDataEncoder.hashStruct("Claim", CLAIM_TYPES, claim);
}

/** Anything with ethers v6's `signTypedData` (a Wallet, a JsonRpcSigner, a HardhatEthersSigner). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** Signs `claim` for the hub at `hub` on chain `chainId` (65-byte signature, low s). */
export async function signClaim(
  signer: TypedDataSigner,
  claim: Claim,
  chainId: bigint | number,
  hub: string,
): Promise<string> {
  const { domain, types, message } = claimTypedData(claim, chainId, hub);
  return signer.signTypedData(domain, types, message);
}

/** A signature in the EIP-2098 compact form the hub takes: `vs = yParity << 255 | s`. */
export interface CompactSignature {
  r: string;
  vs: string;
}

/** 65-byte signature (hex) -> the hub's `(r, vs)` arguments. */
export function compactSignature(signature: string): CompactSignature {
  const sig = Signature.from(signature);
  return { r: sig.r, vs: sig.yParityAndS };
}

/** Signs `claim` and returns the `(r, vs)` the hub's submitSigned / submitAttested take. */
export async function signClaimCompact(
  signer: TypedDataSigner,
  claim: Claim,
  chainId: bigint | number,
  hub: string,
): Promise<CompactSignature> {
  return compactSignature(await signClaim(signer, claim, chainId, hub));
}

// ---------------------------------------------------------------- Attested claims
//
// An enclave key does not sign the claim id alone: it signs the EIP-712 struct
// AttestedClaim(claimId, verifyingKeyId) in the hub's domain, naming the verifying key of the
// model it actually evaluated. The hub checks that key is the one registered for the claim's
// model, so one model's output cannot pass as another model's claim even when the enclave image
// is approved for both.

export const ATTESTED_CLAIM_TYPES: Record<string, TypedDataField[]> = {
  AttestedClaim: [
    { name: "claimId", type: "bytes32" },
    { name: "verifyingKeyId", type: "bytes32" },
  ],
};

/** The EIP-712 type string of what an enclave key signs. */
export const ATTESTED_CLAIM_TYPE_STRING = "AttestedClaim(bytes32 claimId,bytes32 verifyingKeyId)";

/** Everything `signer.signTypedData` takes to sign `claimId` as evaluated with key `verifyingKeyId`. */
export function attestedClaimTypedData(claimId: string, verifyingKeyId: string, chainId: bigint | number, hub: string) {
  if (!isHexString(claimId, 32)) throw new ClaimFieldError("claimId", `${claimId} is not 32-byte hex`);
  if (!isHexString(verifyingKeyId, 32))
    throw new ClaimFieldError("verifyingKeyId", `${verifyingKeyId} is not 32-byte hex`);
  return {
    domain: hubDomain(chainId, hub),
    types: ATTESTED_CLAIM_TYPES,
    primaryType: "AttestedClaim" as const,
    message: { claimId, verifyingKeyId },
  };
}

/** The digest an enclave key signs for an Attested claim (the hub's `attestedDigestOf`). */
export function attestedClaimDigest(
  claimId: string,
  verifyingKeyId: string,
  chainId: bigint | number,
  hub: string,
): string {
  const { domain, types, message } = attestedClaimTypedData(claimId, verifyingKeyId, chainId, hub);
  return TypedDataEncoder.hash(domain, types, message);
}

/** Signs AttestedClaim(claimId, verifyingKeyId) for the hub at `hub` on chain `chainId` (65 bytes). */
export async function signAttestedClaim(
  signer: TypedDataSigner,
  claimId: string,
  verifyingKeyId: string,
  chainId: bigint | number,
  hub: string,
): Promise<string> {
  const { domain, types, message } = attestedClaimTypedData(claimId, verifyingKeyId, chainId, hub);
  return signer.signTypedData(domain, types, message);
}

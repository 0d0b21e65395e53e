// Claim and output helpers for dApp back ends: the claim id exactly as the receipt hub computes it
// (prover/chain/claim.ts, re-exported), a claim read from JSON, and the values of a packed output.
//
// A claim's `output` is one field element: the model's output values packed into one word when
// they fit (n * bits <= 253; readable with shifts, as a contract does), else their Poseidon
// commitment. decodeOutput reads a packed word back with the model's registered output spec
// (`TensorSpec { shape, frac, bits, isSigned }`, from the registry's ModelVersionRegistered).
import { fitsOneWord, unpackWords, type TensorEncoding, WORD_BITS } from "../commit/tensor-commitment.js";
import { checkClaim, type Claim, claimIdOf } from "../chain/claim.js";
import { argmax } from "../quantize/int-ops.js";
import { AssayArgumentError, OutputNotPackedError } from "./errors.js";

export {
  attestedClaimDigest,
  CLAIM_TYPE_STRING,
  CLAIM_TYPES,
  checkClaim,
  ClaimFieldError,
  claimIdOf,
  claimStructHash,
  claimTypedData,
  HUB_DOMAIN_NAME,
  HUB_DOMAIN_VERSION,
  hubDomain,
} from "../chain/claim.js";
export type { Claim } from "../chain/claim.js";

/**
 * The claim id: the EIP-712 digest of `claim` in the receipt hub's domain (chain `chainId`,
 * protocol address `hub`), what the hub's `claimIdOf` returns and every level signs or proves.
 */
export function claimId(claim: Claim, chainId: bigint | number, hub: string): string {
  return claimIdOf(claim, chainId, hub);
}

/** A claim as JSON carries it (the node's answers): field elements and the deadline as decimal strings. */
export interface ClaimJson {
  modelId: string;
  inputCommitment: string;
  output: string;
  requestId: string;
  deadline: string;
}

function bigintField(argument: string, v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (
    (typeof v === "string" && /^(?:[0-9]+|0x[0-9a-fA-F]+)$/.test(v)) ||
    (typeof v === "number" && Number.isSafeInteger(v))
  )
    return BigInt(v);
  throw new AssayArgumentError(argument, `${JSON.stringify(v)} is not a non-negative integer`);
}

/** A claim from JSON (decimal or 0x strings, or bigints), checked as the hub checks its fields. */
export function parseClaim(json: ClaimJson | Claim): Claim {
  const claim: Claim = {
    modelId: String(json.modelId),
    inputCommitment: bigintField("claim.inputCommitment", json.inputCommitment),
    output: bigintField("claim.output", json.output),
    requestId: String(json.requestId),
    deadline: bigintField("claim.deadline", json.deadline),
  };
  checkClaim(claim);
  return claim;
}

/**
 * A tensor's shape and fixed-point format, as the model registry records a version's input and
 * output: real value = integer / 2^frac; integers `bits` wide, offset by 2^(bits-1) when signed.
 */
export interface TensorSpec {
  shape: readonly number[];
  frac: number;
  bits: number;
  isSigned: boolean;
}

/**
 * The values of a packed output. A model ending in ArgMax publishes its labels: `integers` are
 * then the labels themselves, and `values` and `argmax` do not apply.
 */
export interface DecodedOutput {
  /** The fixed-point integers, row-major over the spec's shape. */
  integers: bigint[];
  /** The integers as reals: integer / 2^frac. */
  values: number[];
  /** Index of the first largest integer: a classifier's label (the circuit's ArgMax rule). */
  argmax: number;
}

function encodingOf(spec: TensorSpec): TensorEncoding {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(n) || n < 1) throw new AssayArgumentError("spec.shape", `[${spec.shape}] holds no values`);
  if (!Number.isInteger(spec.bits) || spec.bits < 1 || spec.bits > WORD_BITS)
    throw new AssayArgumentError("spec.bits", `${spec.bits} is not a width of 1 to ${WORD_BITS} bits`);
  return { n, bits: spec.bits, offset: spec.isSigned ? 1n << BigInt(spec.bits - 1) : 0n };
}

/**
 * The values a claim's `output` packs, read with the model's output spec (what a contract reads
 * with shifts and masks: value i is bits [i*bits, (i+1)*bits) minus the offset). Throws
 * OutputNotPackedError when the spec's values do not fit one word: the output is then a
 * commitment, checkable against values given by the node but not readable from the claim.
 */
export function decodeOutput(output: bigint | string, spec: TensorSpec): DecodedOutput {
  const enc = encodingOf(spec);
  if (!fitsOneWord(enc))
    throw new OutputNotPackedError(
      `an output of ${enc.n} values of ${enc.bits} bits (${enc.n * enc.bits} bits) does not fit one ` +
        `${WORD_BITS}-bit word: the claim's output is their Poseidon commitment, not the values`,
    );
  const word = bigintField("output", output);
  const width = BigInt(enc.n * enc.bits);
  if (word >> width !== 0n)
    throw new AssayArgumentError(
      "output",
      `${word} has more than ${width} bits: not a packed output of ${enc.n} values of ${enc.bits} bits`,
    );
  const integers = unpackWords([word], enc);
  const scale = 2 ** spec.frac;
  return { integers, values: integers.map((v) => Number(v) / scale), argmax: argmax(integers) };
}

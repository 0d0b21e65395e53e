// Encodings for the on-chain Groth16 verifier (contracts/verifier/Groth16Verifier.sol).
//
// Verifying key, version 1: 32-byte big-endian words, G2 coordinates imaginary part first (the
// order of the EIP-197 precompiles):
//
//   word  0              header: byte 0 = version (1), bytes 1..27 = 0, bytes 28..31 = nPublic
//   words 1..2           alpha (G1): x, y
//   words 3..6           beta  (G2): x.c1, x.c0, y.c1, y.c0
//   words 7..10          gamma (G2)
//   words 11..14         delta (G2)
//   words 15+2i, 16+2i   IC[i] (G1), i = 0..nPublic
//
// 32 * (17 + 2 * nPublic) bytes in all; the key id is keccak256 of these bytes. The point at
// infinity is (0, 0), allowed for IC points only. The contract stores beta, gamma and delta
// negated, but that is its business: ids and `verifyingKey(id)` use this encoding.
//
// Proof: uint256[8] = A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y.
import { keccak256 } from "ethers";
import { FIELD_MODULUS } from "../field.js";

/** BN254 base field order q: every curve coordinate is below it. */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** Key encoding version this module writes and the verifier reads. */
export const VKEY_ENCODING_VERSION = 1;

/** Most public signals a key may have (its data contract must fit EIP-170's 24,576 bytes). */
export const MAX_PUBLIC_SIGNALS = 375;

type Decimal = string;

/** snarkjs `verification_key.json` for Groth16 (affine points in projective form, z = 1 or 0). */
export interface SnarkjsVerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  vk_alpha_1: Decimal[];
  vk_beta_2: Decimal[][];
  vk_gamma_2: Decimal[][];
  vk_delta_2: Decimal[][];
  IC: Decimal[][];
  [other: string]: unknown;
}

/** snarkjs Groth16 proof (`proof.json`). */
export interface SnarkjsProof {
  pi_a: Decimal[];
  pi_b: Decimal[][];
  pi_c: Decimal[];
  protocol?: string;
  curve?: string;
}

/** The verifier's `proof` argument: A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y. */
export type ProofCalldata = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

/** A verifying key cannot be encoded, or bytes are not a key encoding; `field` names the part. */
export class VerifyingKeyEncodingError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`verifying key ${field}: ${reason}`);
    this.name = "VerifyingKeyEncodingError";
  }
}

/** A proof or public signal cannot be put into verifier calldata; `field` names the part. */
export class ProofEncodingError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`proof ${field}: ${reason}`);
    this.name = "ProofEncodingError";
  }
}

type Fail = (field: string, reason: string) => Error;

function coordinate(value: unknown, field: string, fail: Fail): bigint {
  let v: bigint;
  try {
    if (typeof value !== "string" && typeof value !== "bigint" && typeof value !== "number") throw new Error();
    v = BigInt(value);
  } catch {
    throw fail(field, `not an integer: ${String(value)}`);
  }
  if (v < 0n || v >= BASE_FIELD_MODULUS) throw fail(field, `coordinate ${v} is not below the base field order q`);
  return v;
}

/** G1 point [x, y, z] -> [x, y]; z = 0 is the point at infinity, encoded (0, 0). */
function g1(point: unknown, field: string, fail: Fail, infinityAllowed: boolean): [bigint, bigint] {
  if (!Array.isArray(point) || point.length !== 3) throw fail(field, "expected a G1 point [x, y, z]");
  const z = coordinate(point[2], `${field}.z`, fail);
  if (z === 0n) {
    if (!infinityAllowed) throw fail(field, "is the point at infinity");
    return [0n, 0n];
  }
  if (z !== 1n) throw fail(field, `not affine (z = ${z})`);
  return [coordinate(point[0], `${field}.x`, fail), coordinate(point[1], `${field}.y`, fail)];
}

/** G2 point [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] -> [x.c1, x.c0, y.c1, y.c0]; z = 0 is infinity, all zeros. */
function g2(point: unknown, field: string, fail: Fail, infinityAllowed: boolean): [bigint, bigint, bigint, bigint] {
  if (!Array.isArray(point) || point.length !== 3 || !point.every((c) => Array.isArray(c) && c.length === 2)) {
    throw fail(field, "expected a G2 point [[x0, x1], [y0, y1], [z0, z1]]");
  }
  const [x, y, z] = point as unknown[][];
  const z0 = coordinate(z[0], `${field}.z`, fail);
  const z1 = coordinate(z[1], `${field}.z`, fail);
  if (z0 === 0n && z1 === 0n) {
    if (!infinityAllowed) throw fail(field, "is the point at infinity");
    return [0n, 0n, 0n, 0n];
  }
  if (z0 !== 1n || z1 !== 0n) throw fail(field, "not affine (z != 1)");
  return [
    coordinate(x[1], `${field}.x.c1`, fail),
    coordinate(x[0], `${field}.x.c0`, fail),
    coordinate(y[1], `${field}.y.c1`, fail),
    coordinate(y[0], `${field}.y.c0`, fail),
  ];
}

function keyFail(field: string, reason: string): Error {
  return new VerifyingKeyEncodingError(field, reason);
}

function proofFail(field: string, reason: string): Error {
  return new ProofEncodingError(field, reason);
}

function wordsToHex(words: readonly bigint[]): `0x${string}` {
  return `0x${words.map((w) => w.toString(16).padStart(64, "0")).join("")}`;
}

/** Header word: version in byte 0, nPublic in bytes 28..31. */
export function keyHeader(nPublic: number, version = VKEY_ENCODING_VERSION): bigint {
  return (BigInt(version) << 248n) | BigInt(nPublic);
}

/** The 32-byte words of a key's encoding (header first). */
export function verifyingKeyWords(vkey: SnarkjsVerificationKey): bigint[] {
  if (vkey.protocol !== "groth16") throw keyFail("protocol", `expected groth16, got ${vkey.protocol}`);
  if (vkey.curve !== "bn128") throw keyFail("curve", `expected bn128 (BN254), got ${vkey.curve}`);
  const nPublic = vkey.nPublic;
  if (!Number.isInteger(nPublic) || nPublic < 0 || nPublic > MAX_PUBLIC_SIGNALS) {
    throw keyFail("nPublic", `must be an integer in [0, ${MAX_PUBLIC_SIGNALS}], got ${nPublic}`);
  }
  if (!Array.isArray(vkey.IC) || vkey.IC.length !== nPublic + 1) {
    throw keyFail("IC", `expected nPublic + 1 = ${nPublic + 1} points, got ${vkey.IC?.length}`);
  }
  return [
    keyHeader(nPublic),
    ...g1(vkey.vk_alpha_1, "vk_alpha_1", keyFail, false),
    ...g2(vkey.vk_beta_2, "vk_beta_2", keyFail, false),
    ...g2(vkey.vk_gamma_2, "vk_gamma_2", keyFail, false),
    ...g2(vkey.vk_delta_2, "vk_delta_2", keyFail, false),
    ...vkey.IC.flatMap((p, i) => g1(p, `IC[${i}]`, keyFail, true)),
  ];
}

/** snarkjs verification key -> the bytes `registerKey` takes (hex). */
export function encodeVerifyingKey(vkey: SnarkjsVerificationKey): `0x${string}` {
  return wordsToHex(verifyingKeyWords(vkey));
}

/** Key id (keccak256 of the encoding), from the encoding itself or from a snarkjs key. */
export function verifyingKeyId(key: SnarkjsVerificationKey | string | Uint8Array): `0x${string}` {
  const encoded = typeof key === "string" || key instanceof Uint8Array ? key : encodeVerifyingKey(key);
  return keccak256(encoded) as `0x${string}`;
}

/** Encoding -> snarkjs-shaped key (decimal strings, affine points), checking the layout. */
export function decodeVerifyingKey(encoded: string | Uint8Array): SnarkjsVerificationKey {
  const hex = typeof encoded === "string" ? encoded.replace(/^0x/, "") : Buffer.from(encoded).toString("hex");
  if (hex.length % 64 !== 0 || hex.length === 0)
    throw keyFail("length", `${hex.length / 2} bytes is not a whole number of words`);
  const words: bigint[] = [];
  for (let i = 0; i < hex.length; i += 64) words.push(BigInt(`0x${hex.slice(i, i + 64)}`));
  const header = words[0];
  const version = Number(header >> 248n);
  if (header >> 32n !== BigInt(VKEY_ENCODING_VERSION) << 216n) {
    throw keyFail("header", `unsupported version ${version} or non-zero reserved bytes`);
  }
  const nPublic = Number(header & 0xffffffffn);
  if (words.length !== 17 + 2 * nPublic) {
    throw keyFail(
      "length",
      `header says ${nPublic} public signals, so ${32 * (17 + 2 * nPublic)} bytes; got ${hex.length / 2}`,
    );
  }
  const s = (w: bigint) => w.toString();
  const p1 = (i: number) =>
    words[i] === 0n && words[i + 1] === 0n ? ["0", "1", "0"] : [s(words[i]), s(words[i + 1]), "1"];
  const p2 = (i: number) => [
    [s(words[i + 1]), s(words[i])],
    [s(words[i + 3]), s(words[i + 2])],
    ["1", "0"],
  ];
  return {
    protocol: "groth16",
    curve: "bn128",
    nPublic,
    vk_alpha_1: p1(1),
    vk_beta_2: p2(3),
    vk_gamma_2: p2(7),
    vk_delta_2: p2(11),
    IC: Array.from({ length: nPublic + 1 }, (_, i) => p1(15 + 2 * i)),
  };
}

/**
 * snarkjs proof -> the verifier's `proof` argument (B's coordinates swapped to c1, c0; a point at
 * infinity, which an honest prover produces with negligible probability, as zeros).
 */
export function encodeProof(proof: SnarkjsProof): ProofCalldata {
  const [ax, ay] = g1(proof.pi_a, "pi_a", proofFail, true);
  const [bx1, bx0, by1, by0] = g2(proof.pi_b, "pi_b", proofFail, true);
  const [cx, cy] = g1(proof.pi_c, "pi_c", proofFail, true);
  return [ax, ay, bx1, bx0, by1, by0, cx, cy];
}

/** Public signals (decimal strings, as snarkjs writes them) -> field elements, each checked < r. */
export function encodePublicSignals(signals: readonly (string | bigint | number)[]): bigint[] {
  return signals.map((signal, i) => {
    let v: bigint;
    try {
      v = BigInt(signal);
    } catch {
      throw new ProofEncodingError(`publicSignals[${i}]`, `not an integer: ${String(signal)}`);
    }
    if (v < 0n || v >= FIELD_MODULUS) {
      throw new ProofEncodingError(`publicSignals[${i}]`, `${v} is not below the scalar field order r`);
    }
    return v;
  });
}

// The key a snarkjs `powersoftau beacon` contribution derives from a public beacon value.
//
// snarkjs's derivation (keypair.js / misc.js, restated): hash the beacon with SHA-256
// 2^numIterationsExp times; seed ChaCha20 with the 8 big-endian 32-bit words of the result;
// draw the secrets tau, alpha, beta (in that order) as field elements, then, for tau, alpha
// and beta in turn, a random G1 point g1_s, g1_sx = secret * g1_s, and the G2 point
// g2_sp = hashToG2(blake2b512(personalization byte | challenge | g1_s | g1_sx)) with
// g2_spx = secret * g2_sp. hashToG2 seeds ChaCha20 with the first 8 big-endian words of the
// hash and draws a G2 point. The public key (g1_s, g1_sx, g2_spx) lets a verifier check the
// contribution with pairings; anyone who knows the beacon can recompute the secrets.
import { createHash } from "node:crypto";
import { ChaCha } from "ffjavascript";
import type { Bn128Curve as Curve, CurvePoint } from "./bn128-curve.js";

export type { CurvePoint } from "./bn128-curve.js";

export interface BeaconKeyPart {
  /** The secret, as an integer below the group order. */
  secret: bigint;
  g1_s: CurvePoint;
  g1_sx: CurvePoint;
  g2_sp: CurvePoint;
  g2_spx: CurvePoint;
}

export interface BeaconKey {
  tau: BeaconKeyPart;
  alpha: BeaconKeyPart;
  beta: BeaconKeyPart;
}

/** Smallest iteration exponent `snarkjs powersoftau beacon` accepts. */
export const BEACON_MIN_ITERATIONS_EXP = 10;
/** Largest one accepted here (snarkjs allows 63; 2^32 hashes already take hours). */
export const BEACON_MAX_ITERATIONS_EXP = 32;

function seedWords(hash: Uint8Array): number[] {
  const view = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  return Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4, false));
}

/** SHA-256 applied 2^numIterationsExp times to the beacon value. */
export function iterateBeacon(beaconHash: Uint8Array, numIterationsExp: number): Uint8Array {
  if (
    !Number.isInteger(numIterationsExp) ||
    numIterationsExp < BEACON_MIN_ITERATIONS_EXP ||
    numIterationsExp > BEACON_MAX_ITERATIONS_EXP
  ) {
    const range = `${BEACON_MIN_ITERATIONS_EXP}..${BEACON_MAX_ITERATIONS_EXP}`;
    throw new RangeError(`beacon iteration exponent ${numIterationsExp} outside ${range}`);
  }
  let cur: Uint8Array = beaconHash;
  const n = 2 ** numIterationsExp;
  for (let i = 0; i < n; i++) cur = createHash("sha256").update(cur).digest();
  return cur;
}

function drawSecrets(curve: Curve, beaconHash: Uint8Array, numIterationsExp: number) {
  const rng = new ChaCha(seedWords(iterateBeacon(beaconHash, numIterationsExp)));
  const tau: Uint8Array = curve.Fr.fromRng(rng);
  const alpha: Uint8Array = curve.Fr.fromRng(rng);
  const beta: Uint8Array = curve.Fr.fromRng(rng);
  return { rng, tau, alpha, beta };
}

/** Only the secrets (tau, alpha, beta) of a beacon contribution: they do not depend on the challenge. */
export function beaconSecrets(
  curve: Curve,
  beaconHash: Uint8Array,
  numIterationsExp: number,
): { tau: bigint; alpha: bigint; beta: bigint } {
  const { tau, alpha, beta } = drawSecrets(curve, beaconHash, numIterationsExp);
  const big = (x: Uint8Array): bigint => BigInt(curve.Fr.toObject(x));
  return { tau: big(tau), alpha: big(alpha), beta: big(beta) };
}

/** snarkjs's hashToG2: a G2 point drawn from ChaCha20 seeded with the hash's first 8 big-endian words. */
export function hashToG2(curve: Curve, hash: Uint8Array): CurvePoint {
  return curve.G2.fromRng(new ChaCha(seedWords(hash)));
}

function derivePart(
  curve: Curve,
  secret: Uint8Array,
  personalization: number,
  challenge: Uint8Array,
  rng: unknown,
): BeaconKeyPart {
  const { G1, G2, Fr } = curve;
  const g1_s = G1.toAffine(G1.fromRng(rng));
  const g1_sx = G1.toAffine(G1.timesFr(g1_s, secret));
  const h = createHash("blake2b512")
    .update(Uint8Array.of(personalization))
    .update(challenge)
    .update(G1.toUncompressed(g1_s))
    .update(G1.toUncompressed(g1_sx))
    .digest();
  const g2_sp = G2.toAffine(hashToG2(curve, h));
  const g2_spx = G2.toAffine(G2.timesFr(g2_sp, secret));
  return { secret: BigInt(Fr.toObject(secret)), g1_s, g1_sx, g2_sp, g2_spx };
}

/**
 * The beacon contribution's key for the given previous challenge hash (for a fresh ceremony,
 * the first challenge hash), exactly as `snarkjs powersoftau beacon` derives it.
 */
export function beaconKey(
  curve: Curve,
  challenge: Uint8Array,
  beaconHash: Uint8Array,
  numIterationsExp: number,
): BeaconKey {
  const { rng, tau, alpha, beta } = drawSecrets(curve, beaconHash, numIterationsExp);
  return {
    tau: derivePart(curve, tau, 0, challenge, rng),
    alpha: derivePart(curve, alpha, 1, challenge, rng),
    beta: derivePart(curve, beta, 2, challenge, rng),
  };
}

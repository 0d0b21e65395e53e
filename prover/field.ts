// The one module that owns the BN254 scalar field and the signed-integer encoding.
// A signed integer x is encoded as x mod P (so -1 is P - 1); decoding maps the upper half back
// to negatives. Everything that crosses into a circuit or a contract goes through here.

/** BN254 (alt_bn128) scalar field order: public signals must be below it. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const HALF = FIELD_MODULUS >> 1n;

export class FieldRangeError extends Error {
  constructor(readonly value: bigint) {
    super(`value ${value} does not fit the signed range of the BN254 scalar field`);
    this.name = "FieldRangeError";
  }
}

/** Signed integer -> field element in [0, P). */
export function toField(x: bigint): bigint {
  if (x > HALF || x < -HALF) throw new FieldRangeError(x);
  return x >= 0n ? x : x + FIELD_MODULUS;
}

/** Field element in [0, P) -> signed integer in (-P/2, P/2]. */
export function fromField(f: bigint): bigint {
  if (f < 0n || f >= FIELD_MODULUS) throw new FieldRangeError(f);
  return f > HALF ? f - FIELD_MODULUS : f;
}

/** True when `f` is a canonical field element (what contracts check of every public signal). */
export function isCanonical(f: bigint): boolean {
  return f >= 0n && f < FIELD_MODULUS;
}

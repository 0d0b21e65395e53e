// Scalar-field arithmetic for a powers-of-tau ceremony whose secret is known.
//
// Every point of a prepared .ptau file is s * G for a generator G and a scalar s that depends
// only on the secrets (tau, alpha, beta):
//   tauG1 / tauG2 / alphaTauG1 / betaTauG1:  m * tau^i            (m = 1, alpha or beta)
//   Lagrange sections (what `prepare phase2` writes, an inverse FFT of the powers):
//     over the domain {w^j} of size n = 2^p, with w the root of unity ffjavascript uses,
//     L_j(tau) = (tau^n - 1) / n * w^j / (tau - w^j)
//   and for the extra tauG1 level n = 2^(power+1), whose top power tau^(n-1) is not in the
//   file (snarkjs pads it with the point at infinity):
//     L_j(tau) - tau^(n-1) * w^j / n.
// These functions compute those scalars with bigint; the group work happens elsewhere.

/** BN254 (alt_bn128) scalar field order r (the order of G1 and G2). */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const R = BN254_R;

/** Two-adicity of r - 1 for BN254: the largest power-of-two domain is 2^28. */
export const TWO_ADICITY = 28;

/** a mod r in [0, r). */
export function modR(a: bigint): bigint {
  const x = a % R;
  return x < 0n ? x + R : x;
}

export function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = modR(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % R;
    b = (b * b) % R;
    e >>= 1n;
  }
  return result;
}

/** Multiplicative inverse mod r (extended Euclid). Throws on 0. */
export function invMod(a: bigint): bigint {
  let r0 = R;
  let r1 = modR(a);
  if (r1 === 0n) throw new RangeError("inverse of zero in the scalar field");
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return modR(t0);
}

/** Inverts every element with one field inversion (Montgomery's trick). Throws on any 0. */
export function batchInvert(values: readonly bigint[]): bigint[] {
  const n = values.length;
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * values[i]) % R;
  }
  let inv = invMod(acc);
  const out = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]) % R;
    inv = (inv * values[i]) % R;
  }
  return out;
}

let cachedGenerator: bigint | undefined;

/**
 * The 2^p-th root of unity that ffjavascript (and therefore snarkjs) uses for its FFTs:
 * w_28 = g^((r-1)/2^28) for the smallest quadratic non-residue g, and w_(p-1) = w_p^2.
 */
export function rootOfUnity(p: number): bigint {
  if (!Number.isInteger(p) || p < 0 || p > TWO_ADICITY) {
    throw new RangeError(`no 2^${p}-th root of unity in the BN254 scalar field`);
  }
  if (cachedGenerator === undefined) {
    let g = 2n;
    while (powMod(g, (R - 1n) / 2n) !== R - 1n) g++;
    cachedGenerator = g;
  }
  return powMod(cachedGenerator, (R - 1n) >> BigInt(p));
}

/** multiplier * tau^i for i in [start, start + count). */
export function powerScalars(tau: bigint, multiplier: bigint, start: number, count: number): bigint[] {
  const out = new Array<bigint>(count);
  const t = modR(tau);
  let s = (modR(multiplier) * powMod(t, BigInt(start))) % R;
  for (let i = 0; i < count; i++) {
    out[i] = s;
    s = (s * t) % R;
  }
  return out;
}

export interface LagrangeRange {
  /** log2 of the domain size. */
  p: number;
  /** First index j and how many consecutive j to produce. */
  start: number;
  count: number;
  /** Scales every value (alpha, beta or 1). */
  multiplier: bigint;
  /** The extra tauG1 level of `prepare phase2`: the top power tau^(n-1) is left out. */
  withoutTopPower?: boolean;
}

/** multiplier * L_j(tau) over the size-2^p domain, for j in [start, start + count). */
export function lagrangeScalars(tau: bigint, range: LagrangeRange): bigint[] {
  const { p, start, count, multiplier } = range;
  const t = modR(tau);
  const n = 1n << BigInt(p);
  const w = rootOfUnity(p);
  const invN = invMod(n);
  const tauN = powMod(t, n);
  // c = multiplier * (tau^n - 1) / n
  const c = (((modR(multiplier) * modR(tauN - 1n)) % R) * invN) % R;
  // d = multiplier * tau^(n-1) / n   (only for the level without its top power)
  const d = range.withoutTopPower ? (((modR(multiplier) * ((tauN * invMod(t)) % R)) % R) * invN) % R : 0n;

  const wj = new Array<bigint>(count);
  const denominators = new Array<bigint>(count);
  let x = powMod(w, BigInt(start));
  for (let i = 0; i < count; i++) {
    wj[i] = x;
    const den = modR(t - x);
    if (den === 0n) throw new RangeError(`tau lies on the 2^${p} evaluation domain`);
    denominators[i] = den;
    x = (x * w) % R;
  }
  const inverses = batchInvert(denominators);
  const out = new Array<bigint>(count);
  for (let i = 0; i < count; i++) {
    const l = (((c * wj[i]) % R) * inverses[i]) % R;
    out[i] = range.withoutTopPower ? modR(l - ((d * wj[i]) % R)) : l;
  }
  return out;
}

/** Writes scalars as 32-byte little-endian integers (the layout the group workers read). */
export function scalarsToBytes(scalars: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(scalars.length * 32);
  const view = new DataView(bytes.buffer);
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < scalars.length; i++) {
    let s = scalars[i];
    const o = i * 32;
    view.setBigUint64(o, s & mask, true);
    s >>= 64n;
    view.setBigUint64(o + 8, s & mask, true);
    s >>= 64n;
    view.setBigUint64(o + 16, s & mask, true);
    s >>= 64n;
    view.setBigUint64(o + 24, s, true);
  }
  return bytes;
}

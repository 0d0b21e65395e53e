/** Smallest signed width holding [lo, hi] (and at least 1 bit). */
export function signedBits(lo: number, hi: number): number {
  let b = 1;
  while (lo < -(2 ** (b - 1)) || hi >= 2 ** (b - 1)) b++;
  return b;
}

/** Smallest D with 0 <= span < 2^D (span an integer). */
export function unsignedBits(span: number): number {
  let b = 0;
  while (span >= 2 ** b) b++;
  return b;
}

// Reproducible test vectors for circuit tests: seeded pseudo-random integers and bit decompositions.

/** Deterministic pseudo-random integers for reproducible "random" test vectors (splitmix64). */
export function rng(seed: number): { below(n: bigint): bigint; int(lo: bigint, hi: bigint): bigint } {
  let s = BigInt(seed) & 0xffffffffffffffffn;
  const next64 = (): bigint => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  };
  const below = (n: bigint): bigint => {
    let r = 0n;
    for (let bits = 0n; 1n << bits < n * 4n; bits += 64n) r = (r << 64n) | next64();
    return r % n;
  };
  return { below, int: (lo, hi) => lo + below(hi - lo + 1n) };
}

/** Little-endian binary digits of a non-negative integer. */
export function bitsOf(x: bigint, n: number): bigint[] {
  if (x < 0n) throw new Error(`bitsOf(${x}): negative`);
  return Array.from({ length: n }, (_, i) => (x >> BigInt(i)) & 1n);
}

// What the quantizer knows about an integer tensor: its scale, per-element static bounds over
// every valid input, and an a-priori bound on its error against the float model.
export interface ValueRange {
  /** real = int / 2^frac. */
  frac: number;
  lo: Float64Array;
  hi: Float64Array;
  /** Bound on |float - int / 2^frac| per element (real units). */
  err: number;
  /**
   * Every consecutive group of n elements is >= 0 and sums to at most max (integer units): a
   * Softmax's rows, which bounds a product with them far tighter than the elements' bounds do.
   */
  rowSum?: { n: number; max: number };
}

export function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m) m = xs[i];
  return m;
}

export function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
}

/** max |v| over the range's bounds (integer units). */
export function maxAbsOf(r: ValueRange): number {
  return Math.max(Math.abs(minOf(r.lo)), Math.abs(maxOf(r.hi)));
}

/** Largest f with maxValue * 2^f <= limit (limit >= 1). */
export function fracFor(maxValue: number, limit: number): number {
  if (!(maxValue > 0)) return 0;
  return Math.floor(Math.log2(limit / maxValue));
}

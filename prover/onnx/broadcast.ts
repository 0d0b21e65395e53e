// Numpy-style (multidirectional) broadcasting, resolved at normalization time into index maps,
// so the float graph, the integer evaluator and the circuit only ever see flat tensors.
import { ShapeMismatchError } from "../errors.js";
import { numel } from "./tensor.js";

/** The broadcast shape of `a` and `b`, or throws ShapeMismatchError. */
export function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeMismatchError(`${what}: shapes do not broadcast`, [...a], [...b]);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * For each element of `out` (row-major), the index of the element of `from` it reads; null when
 * the shapes are equal.
 */
export function broadcastIndex(out: readonly number[], from: readonly number[]): Int32Array | null {
  if (out.length === from.length && out.every((d, i) => d === from[i])) return null;
  const r = out.length;
  const padded = [...new Array<number>(r - from.length).fill(1), ...from];
  // Strides of `from` (0 along broadcast axes).
  const strides = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : s;
    s *= padded[i];
  }
  const n = numel(out);
  const idx = new Int32Array(n);
  const coord = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let v = 0;
    for (let i = 0; i < r; i++) v += coord[i] * strides[i];
    idx[k] = v;
    for (let i = r - 1; i >= 0; i--) {
      if (++coord[i] < out[i]) break;
      coord[i] = 0;
    }
  }
  return idx;
}

/** `values` of shape `from` expanded to `out` (which it must broadcast to). */
export function expand(values: Float64Array, from: readonly number[], out: readonly number[]): Float64Array {
  const idx = broadcastIndex(out, from);
  if (!idx) return Float64Array.from(values);
  return Float64Array.from(idx, (i) => values[i]);
}

/** Normalizes a possibly negative axis for a tensor of rank `rank`; undefined when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

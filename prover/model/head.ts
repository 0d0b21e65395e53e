// The output heads applied after a model's values (Softmax, ArgMax), along one axis of a row-major
// tensor: the float reference, the integer evaluator and the fidelity report share them.
import { shapeSize } from "./float-graph.js";

export function softmax(xs: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(xs));
  const e = Array.from(xs, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Softmax of a tensor of `shape` along `axis` (row-major). */
export function softmaxAlong(xs: ArrayLike<number>, shape: readonly number[], axis: number): number[] {
  const len = shape[axis];
  const inner = shapeSize(shape.slice(axis + 1));
  const outer = shapeSize(shape.slice(0, axis));
  const out = new Array<number>(xs.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const idx = Array.from({ length: len }, (_, k) => (o * len + k) * inner + i);
      const p = softmax(idx.map((j) => xs[j]));
      idx.forEach((j, k) => (out[j] = p[k]));
    }
  }
  return out;
}

/** ArgMax of a tensor of `shape` along `axis`: one index per group (row-major over the other axes). */
export function argmaxAlong(
  xs: ArrayLike<number | bigint>,
  shape: readonly number[],
  axis: number,
  last = false,
): number[] {
  const len = shape[axis];
  const inner = shapeSize(shape.slice(axis + 1));
  const outer = shapeSize(shape.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      for (let k = 1; k < len; k++) {
        const v = xs[(o * len + k) * inner + i];
        const b = xs[(o * len + best) * inner + i];
        if (last ? v >= b : v > b) best = k;
      }
      out.push(best);
    }
  }
  return out;
}

// Float evaluation of the normalized graph: the reference for calibration and for checking the
// normalizer against onnxruntime. Returns every intermediate tensor by name.
import type { FloatGraph } from "./float-graph.js";
import { shapeSize } from "./float-graph.js";
import { ShapeMismatchError } from "../errors.js";

export function evaluateFloatTrace(g: FloatGraph, x: ArrayLike<number>): Map<string, Float64Array> {
  const n = shapeSize(g.input.shape);
  if (x.length !== n) throw new ShapeMismatchError("input", g.input.shape, [x.length]);
  const t = new Map<string, Float64Array>([[g.input.name, Float64Array.from(x)]]);
  for (const op of g.ops) {
    const a = t.get(op.input)!;
    if (op.kind === "dense") {
      const y = new Float64Array(op.outFeatures);
      for (let j = 0; j < op.outFeatures; j++) {
        let s = op.bias[j];
        const row = j * op.inFeatures;
        for (let i = 0; i < op.inFeatures; i++) s += op.weight[row + i] * a[i];
        y[j] = s;
      }
      t.set(op.output, y);
    } else {
      t.set(op.output, a.map((v) => (v > 0 ? v : 0)));
    }
  }
  return t;
}

/** Logits (before any Softmax / ArgMax head). */
export function evaluateFloat(g: FloatGraph, x: ArrayLike<number>): Float64Array {
  return evaluateFloatTrace(g, x).get(g.output.name)!;
}

export function softmax(xs: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(xs));
  const e = Array.from(xs, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

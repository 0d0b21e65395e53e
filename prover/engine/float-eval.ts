// Float evaluation of the normalized graph: the reference for calibration and for checking the
// normalizer against onnxruntime. Returns every intermediate tensor by name. Each op is evaluated
// by its kind (prover/kinds/).
import { ShapeMismatchError } from "../errors.js";
import { floatKindOf } from "../kinds/index.js";
import type { FloatGraph } from "../model/float-graph.js";
import { shapeSize } from "../model/float-graph.js";

export function evaluateFloatTrace(g: FloatGraph, x: ArrayLike<number>): Map<string, Float64Array> {
  const n = shapeSize(g.input.shape);
  if (x.length !== n) throw new ShapeMismatchError("input", g.input.shape, [x.length]);
  const t = new Map<string, Float64Array>([[g.input.name, Float64Array.from(x)]]);
  for (const op of g.ops) {
    const inputs = op.inputs.map((name) => t.get(name)!);
    t.set(op.output, floatKindOf(op).evalFloat(op, inputs));
  }
  return t;
}

/** Output values (before any Softmax / ArgMax head). */
export function evaluateFloat(g: FloatGraph, x: ArrayLike<number>): Float64Array {
  return evaluateFloatTrace(g, x).get(g.output.name)!;
}

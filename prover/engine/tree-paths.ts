// How exactly a quantized tree ensemble follows the float model (prover/kinds/trees.ts): per
// input, whether every tree's walk on the integers reaches the float model's leaf, and whether a
// tested value lies close enough to a threshold that it might not. Close means, for a test on the
// model input, on the far side of the threshold by less than one input step (x < t for x >= t,
// x > t for x > t: the near side is always exact); for a test on another layer's values, within
// that layer's error bound plus one step on either side.
import { intTest, leavesReached, floatTest } from "../kinds/trees.js";
import type { FloatGraph, TreesOp } from "../model/float-graph.js";
import type { QuantizedModel, TreesLayer } from "../quantize/quantized-model.js";
import { evaluateLayers, quantizeInput } from "./evaluate.js";
import { evaluateFloatTrace } from "./float-eval.js";

export interface TreePaths {
  /** Some tested value lies close to a threshold: the integer walk may leave the float path. */
  near: boolean;
  /** Every tree of every ensemble reaches the float model's leaf. */
  exact: boolean;
}

export interface TreePathReport {
  inputs: number;
  /** Inputs with a tested value close to a threshold. */
  near: number;
  /** Inputs where some tree's integer walk reaches another leaf than the float model's. */
  leafMismatches: number;
}

function opOf(g: FloatGraph, layer: TreesLayer): TreesOp {
  const op = g.ops.find((o): o is TreesOp => o.kind === "trees" && o.nodes[0] === layer.nodes[0]);
  if (!op) throw new Error(`tree layer ${layer.nodes.join("+")} has no float op in the graph`);
  return op;
}

/** True when `q` proves a tree ensemble. */
export function hasTrees(q: QuantizedModel): boolean {
  return q.layers.some((l) => l.kind === "trees");
}

/** The paths of input `x` through every tree ensemble of `q` (null: the model has none). */
export function treePaths(g: FloatGraph, q: QuantizedModel, x: ArrayLike<number>): TreePaths | null {
  if (!hasTrees(q)) return null;
  const trace = evaluateFloatTrace(g, x);
  const { values } = quantizeInput(q, x);
  const outs = evaluateLayers(q, values);
  let near = false;
  let exact = true;
  for (const layer of q.layers) {
    if (layer.kind !== "trees") continue;
    const op = opOf(g, layer);
    const fx = trace.get(op.inputs[0])!;
    const from = layer.inputs[0];
    const ix = from < 0 ? values : outs[from];
    const frac = from < 0 ? q.input.frac : q.layers[from].out.frac;
    const step = 2 ** -frac;
    const err = from < 0 ? 0 : q.layers[from].errorBound;
    const want = leavesReached(op, floatTest(op, fx));
    const got = leavesReached(layer, intTest(layer, ix));
    if (want.some((n, i) => n !== got[i])) exact = false;
    for (let r = 0; r < op.rows && !near; r++) {
      op.feature.forEach((f, n) => {
        if (f < 0) return;
        const d = Math.fround(fx[r * op.features + f]) - op.threshold[n];
        if (from >= 0) near ||= Math.abs(d) < err + step;
        else near ||= op.strict[n] ? d > 0 && d < step : d < 0 && d > -step;
      });
    }
  }
  return { near, exact };
}

/** treePaths over many inputs, counted (null: the model has no tree ensemble). */
export function treePathReport(
  g: FloatGraph,
  q: QuantizedModel,
  xs: readonly ArrayLike<number>[],
): TreePathReport | null {
  if (!hasTrees(q)) return null;
  const report = { inputs: xs.length, near: 0, leafMismatches: 0 };
  for (const x of xs) {
    const p = treePaths(g, q, x)!;
    if (p.near) report.near++;
    if (!p.exact) report.leafMismatches++;
  }
  return report;
}

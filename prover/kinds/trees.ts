// Tree ensembles (ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier):
//   y[r][t] = base[t] + sum over trees of weight[leaf][t]
// Quantized on the integers the input layer hands on (it reads them raw, at their own scale):
// the test x >= t becomes x_q >= round(t 2^f), and x > t becomes x_q >= round(t 2^f) + 1. On the
// model input (x_q = round(x 2^f), rounding is monotone) the integer test is the float test for
// every x >= t (x <= t for >), a cut point equal to a data value included, and can differ only
// where x lies on the other side of t by less than one input step; on another layer's values,
// by less than that layer's error plus one step. So a walk on the integers reaches the float
// model's leaf wherever no tested value is that close to a threshold (engine/tree-paths.ts
// counts the rows where one is, and the rows whose leaves differ).
// A test constant on the feature's static range is resolved here. Leaf weights are rounded at one
// power-of-two scale (weightBits significant bits for the largest) and the base at the same.
// In the circuit (circuits/tree.circom): per row, one Interval per tested feature over all of its
// thresholds, then one TreeSum over the nodes of every tree.
import type { TreesOp } from "../model/float-graph.js";
import { checkSafe, quantizeWeights } from "../quantize/core.js";
import type { TreesLayer } from "../quantize/quantized-model.js";
import { constantFunction, templateCall } from "./emit-context.js";
import type { Kind } from "./kind.js";

/** Node tests of the quantized layer besides a feature index. */
export const LEAF = -1;
export const ALWAYS_HI = -2;
export const ALWAYS_LO = -3;

interface Walk {
  rows: number;
  features: number;
  targets: number;
  roots: ArrayLike<number>;
  hi: ArrayLike<number>;
  lo: ArrayLike<number>;
  weight: ArrayLike<number>;
  base: ArrayLike<number>;
}

/** Per row, the leaf each tree's walk reaches, with `goesHi(n, row)` deciding inner node n (null: a leaf). */
export function leavesReached(s: Walk, goesHi: (n: number, row: number) => boolean | null): Int32Array {
  const out = new Int32Array(s.rows * s.roots.length);
  for (let r = 0; r < s.rows; r++) {
    for (let k = 0; k < s.roots.length; k++) {
      let n = s.roots[k];
      for (let step = goesHi(n, r); step !== null; step = goesHi(n, r)) n = step ? s.hi[n] : s.lo[n];
      out[r * s.roots.length + k] = n;
    }
  }
  return out;
}

/** The ensemble's sums over the leaves reached. */
function walkTrees(s: Walk, goesHi: (n: number, row: number) => boolean | null): Float64Array {
  const { rows, targets: m } = s;
  const leaves = leavesReached(s, goesHi);
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < m; t++) y[r * m + t] = s.base[t];
    for (let k = 0; k < s.roots.length; k++) {
      const n = leaves[r * s.roots.length + k];
      for (let t = 0; t < m; t++) y[r * m + t] += s.weight[n * m + t];
    }
  }
  return y;
}

/** The float test at inner node n for row r (null at a leaf). */
export function floatTest(op: TreesOp, x: ArrayLike<number>) {
  return (n: number, r: number): boolean | null => {
    const f = op.feature[n];
    if (f < 0) return null;
    // ONNX-ML compares in float32 (the input tensor's and the thresholds' type).
    const v = Math.fround(x[r * op.features + f]);
    return op.strict[n] ? v > op.threshold[n] : v >= op.threshold[n];
  };
}

/** The integer test at inner node n for row r (null at a leaf): exactly what TreeSum proves. */
export function intTest(layer: Omit<TreesLayer, "kind">, x: ArrayLike<number>) {
  return (n: number, r: number): boolean | null => {
    const f = layer.feature[n];
    if (f === LEAF) return null;
    if (f === ALWAYS_HI || f === ALWAYS_LO) return f === ALWAYS_HI;
    return x[r * layer.features + f] >= layer.threshold[n];
  };
}

export function intTrees(layer: Omit<TreesLayer, "kind">, x: ArrayLike<number>): Float64Array {
  return walkTrees(layer, intTest(layer, x));
}

/** Per feature: the sorted distinct thresholds its inner nodes test (constant tests excluded). */
export function thresholdsByFeature(layer: Pick<TreesLayer, "feature" | "threshold" | "features">): number[][] {
  const sets = Array.from({ length: layer.features }, () => new Set<number>());
  layer.feature.forEach((f, n) => {
    if (f >= 0) sets[f].add(layer.threshold[n]);
  });
  return sets.map((s) => [...s].sort((a, b) => a - b));
}

/** Digits of the Interval range checks on a feature whose integer values span [lo, hi]. */
function intervalBits(lo: number, hi: number): number {
  let bits = 1;
  while (2 ** bits <= hi - lo) bits++;
  return bits;
}

/** Constraints of one row (tree.circom's Cost lines): an Interval per tested feature, a product per tested non-root. */
function rowCost(layer: Pick<TreesLayer, "feature" | "threshold" | "features" | "roots" | "inLo" | "inHi">): number {
  const intervals = thresholdsByFeature(layer).reduce(
    (sum, ts, f) => (ts.length === 0 ? sum : sum + ts.length + 1 + 2 * intervalBits(layer.inLo[f], layer.inHi[f])),
    0,
  );
  const tested = layer.feature.filter((f) => f >= 0).length - layer.roots.filter((r) => layer.feature[r] >= 0).length;
  return intervals + tested;
}

/** The leaves each tree can reach (every leaf below its root). */
function leavesOf(op: Pick<TreesOp, "feature" | "hi" | "lo">, root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (op.feature[n] === LEAF) out.push(n);
    else stack.push(op.hi[n], op.lo[n]);
  }
  return out;
}

export const trees: Kind<"trees", "trees"> = {
  floatKinds: ["trees"],
  layerKind: "trees",
  templates: ["tree.circom"],
  readsRaw: true,
  evalFloat: (op, [x]) => walkTrees(op, floatTest(op, x)),
  evalInt: (layer, [x]) => intTrees(layer, x),

  quantize(op, [x], ctx) {
    const { rows, features: c, targets: m } = op;
    const scale = 2 ** x.frac;
    // The static range of each feature over the rows.
    const inLo = Array.from({ length: c }, (_, f) =>
      Math.min(...Array.from({ length: rows }, (_, r) => x.lo[r * c + f])),
    );
    const inHi = Array.from({ length: c }, (_, f) =>
      Math.max(...Array.from({ length: rows }, (_, r) => x.hi[r * c + f])),
    );
    const feature: number[] = [];
    const threshold: number[] = [];
    op.feature.forEach((f, n) => {
      if (f < 0) {
        feature.push(LEAF);
        threshold.push(0);
        return;
      }
      // Rounded as the input is: x >= t gives round(x 2^f) >= round(t 2^f) (rounding is monotone),
      // and x = t (a data value as cut point) stays on its side.
      const t = Math.round(op.threshold[n] * scale) + (op.strict[n] ? 1 : 0);
      feature.push(t <= inLo[f] ? ALWAYS_HI : t > inHi[f] ? ALWAYS_LO : f);
      threshold.push(t <= inLo[f] || t > inHi[f] ? 0 : t);
    });
    const leafWeights = Array.from(op.weight, (w, i) => (op.feature[Math.floor(i / m)] < 0 ? w : 0));
    const { q: weight, frac: wFrac } = quantizeWeights(leafWeights, ctx.config.weightBits);
    const base = Array.from(op.base, (b) => Math.round(b * 2 ** wFrac));
    // Bounds: the base plus, per tree, the least / largest weight of any of its leaves.
    const lo = new Float64Array(rows * m);
    const hi = new Float64Array(rows * m);
    let err = 0;
    const errs = new Float64Array(m);
    for (let t = 0; t < m; t++) {
      let [l, h] = [base[t], base[t]];
      errs[t] = Math.abs(op.base[t] - base[t] * 2 ** -wFrac);
      for (const root of op.roots) {
        const ws = leavesOf(op, root).map((n) => weight[n * m + t]);
        l += Math.min(...ws);
        h += Math.max(...ws);
        errs[t] += Math.max(
          ...leavesOf(op, root).map((n) => Math.abs(op.weight[n * m + t] - weight[n * m + t] * 2 ** -wFrac)),
        );
      }
      for (let r = 0; r < rows; r++) [lo[r * m + t], hi[r * m + t]] = [l, h];
      err = Math.max(err, errs[t]);
    }
    const range = { frac: wFrac, lo, hi, err };
    checkSafe(range, ctx.where);
    const params = {
      kind: "trees" as const,
      rows,
      features: c,
      targets: m,
      feature,
      threshold,
      hi: Array.from(op.hi),
      lo: Array.from(op.lo),
      roots: Array.from(op.roots),
      weight,
      base,
      wFrac,
      inLo,
      inHi,
    };
    return { params, range, cost: rows * rowCost(params) };
  },

  emit(layer, k, [input], ctx) {
    const { rows, features: c, targets: m } = layer;
    const byFeature = thresholdsByFeature(layer);
    // The flat index of each (feature, threshold) test among the ge bits of one row.
    const offset: number[] = [];
    let g = 0;
    for (const ts of byFeature) {
      offset.push(g);
      g += ts.length;
    }
    const test = layer.feature.map((f, n) =>
      f >= 0 ? offset[f] + byFeature[f].indexOf(layer.threshold[n]) : f === LEAF ? -1 : f,
    );
    const inner = test.filter((t) => t >= 0).length;
    const tested = byFeature.filter((ts) => ts.length > 0).length;
    const nn = layer.feature.length;
    const fn = (name: string, values: readonly number[], dims?: readonly number[]) =>
      constantFunction(ctx, `${name}${k}`, values, dims);
    const args = [
      Math.max(g, 1),
      nn,
      inner,
      layer.roots.length,
      m,
      fn("TEST", test),
      fn("HI", layer.hi),
      fn("LO", layer.lo),
      fn("ROOTS", layer.roots),
      fn("LEAFW", layer.weight, [nn, m]),
      fn("BASE", layer.base),
    ];
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: ${layer.roots.length} trees, ${nn} nodes, ` +
        `${g} distinct tests on ${tested} features${rows > 1 ? `, ${rows} rows` : ""}`,
      `  signal c${k}[${rows * m}];`,
    );
    const intervals = byFeature.map((ts, f) => {
      if (ts.length === 0) return null;
      const thr = constantFunction(ctx, `THR${k}_${f}`, ts);
      const bits = intervalBits(layer.inLo[f], layer.inHi[f]);
      return templateCall("Interval", [ts.length, bits, layer.inLo[f], layer.inHi[f], thr]);
    });
    for (let r = 0; r < rows; r++) {
      const sum = `trees${k}_${r}`;
      ctx.body.push(`  component ${sum} = ${templateCall("TreeSum", args)};`);
      if (g === 0) ctx.body.push(`  ${sum}.ge[0] <== 0;`);
      intervals.forEach((call, f) => {
        if (call === null) return;
        const iv = `iv${k}_${r}_${f}`;
        ctx.body.push(
          `  component ${iv} = ${call};`,
          `  ${iv}.in <== ${input}[${r * c + f}];`,
          `  for (var j = 0; j < ${byFeature[f].length}; j++) ${sum}.ge[${offset[f]} + j] <== ${iv}.ge[j];`,
        );
      });
      ctx.body.push(`  for (var t = 0; t < ${m}; t++) c${k}[${r * m} + t] <== ${sum}.out[t];`);
    }
    return { values: `c${k}` };
  },
};

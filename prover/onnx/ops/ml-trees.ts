// The tree ensembles of ai.onnx.ml (what XGBoost, LightGBM and scikit-learn forests export):
// TreeEnsembleRegressor and TreeEnsembleClassifier (opset 1 and 3), and TreeEnsemble (opset 5),
// to one "trees" float op.
// Every test is rewritten as "x >= t goes hi" or "x > t goes hi"; AVERAGE divides the leaf
// weights by the number of trees. A classifier's proven output is its label: an ArgMax head on
// the class scores, as onnxruntime picks it (the first largest score; a post_transform is
// monotone and does not change it). Two class labels with weights for one class only (the binary
// form XGBoost and scikit-learn export) score the classes as [-d, d] with d = s - theta, where
// theta is 0.5 when every weight is >= 0 (probabilities) and 0 otherwise (margins): label 1
// exactly when s > theta. Missing-value tracking only matters for NaN inputs, which a claim
// cannot carry.
import type { DynValue, NormalizeContext } from "../context.js";
import type { TreesOp } from "../../model/float-graph.js";
import { classLabels, defineClassifierOutputs, features, scoresName } from "./ml-linear.js";

const MODES: Record<string, { strict: number; trueIsHi: boolean } | undefined> = {
  BRANCH_LT: { strict: 0, trueIsHi: false }, // x < t  <=>  not (x >= t)
  BRANCH_LEQ: { strict: 1, trueIsHi: false }, // x <= t <=>  not (x > t)
  BRANCH_GTE: { strict: 0, trueIsHi: true },
  BRANCH_GT: { strict: 1, trueIsHi: true },
};

/** Float attributes given as a list, or as a double tensor (the `_as_tensor` form). */
function floatsOf(ctx: NormalizeContext, name: string): number[] | undefined {
  const t = ctx.attrTensor(`${name}_as_tensor`);
  return t ? Array.from(t.data) : ctx.attrFloats(name);
}

function required<T>(ctx: NormalizeContext, name: string, v: T[] | undefined, n?: number): T[] {
  if (!v) ctx.unsupported(`missing attribute ${name}`);
  if (n !== undefined && v.length !== n) ctx.unsupported(`${name} has ${v.length} values, expected ${n}`);
  return v;
}

type Ensemble = Pick<TreesOp, "feature" | "threshold" | "strict" | "hi" | "lo" | "roots" | "weight">;

/** n nodes (filled in by the caller, parents first), the trees' roots, leaf weights for `targets`. */
function emptyEnsemble(n: number, roots: number[], targets: number): Ensemble {
  return {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    strict: new Uint8Array(n),
    hi: new Int32Array(n),
    lo: new Int32Array(n),
    roots: Int32Array.from(roots),
    weight: new Float64Array(n * targets),
  };
}

/** The nodes_* attributes and the leaf weights (prefix "class" or "target") as one node list. */
function readEnsemble(ctx: NormalizeContext, c: number, targets: number, prefix: string, ids: (id: number) => number) {
  const treeIds = required(ctx, "nodes_treeids", ctx.attrInts("nodes_treeids"));
  const n = treeIds.length;
  const nodeIds = required(ctx, "nodes_nodeids", ctx.attrInts("nodes_nodeids"), n);
  const featureIds = required(ctx, "nodes_featureids", ctx.attrInts("nodes_featureids"), n);
  const modes = required(ctx, "nodes_modes", ctx.attrStrings("nodes_modes"), n);
  const values = required(ctx, "nodes_values", floatsOf(ctx, "nodes_values"), n);
  const trueIds = required(ctx, "nodes_truenodeids", ctx.attrInts("nodes_truenodeids"), n);
  const falseIds = required(ctx, "nodes_falsenodeids", ctx.attrInts("nodes_falsenodeids"), n);
  const key = (t: number, id: number) => `${t}/${id}`;
  const at = new Map<string, number>();
  treeIds.forEach((t, i) => {
    if (at.has(key(t, nodeIds[i]))) ctx.unsupported(`tree ${t} lists node ${nodeIds[i]} twice`);
    at.set(key(t, nodeIds[i]), i);
  });
  const child = (i: number, id: number) => {
    const j = at.get(key(treeIds[i], id));
    if (j === undefined) ctx.unsupported(`tree ${treeIds[i]} node ${nodeIds[i]} points to missing node ${id}`);
    return j;
  };
  // Roots: the nodes no node of their tree points to; each tree walked breadth first, so every
  // parent comes before its children.
  const isChild = new Set<number>();
  modes.forEach((m, i) => {
    if (m !== "LEAF") [trueIds[i], falseIds[i]].forEach((id) => isChild.add(child(i, id)));
  });
  const order: number[] = [];
  const index = new Map<number, number>();
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isChild.has(i)) continue;
    roots.push(order.length);
    const queue = [i];
    while (queue.length) {
      const j = queue.shift()!;
      if (index.has(j)) ctx.unsupported(`tree ${treeIds[j]} is not a tree: node ${nodeIds[j]} has two parents`);
      index.set(j, order.length);
      order.push(j);
      if (modes[j] !== "LEAF") queue.push(child(j, trueIds[j]), child(j, falseIds[j]));
    }
  }
  if (order.length !== n) ctx.unsupported("the nodes do not form trees (a cycle)");
  const e = emptyEnsemble(n, roots, targets);
  order.forEach((j, k) => {
    if (modes[j] === "LEAF") {
      e.feature[k] = -1;
      return;
    }
    const mode = MODES[modes[j]];
    if (!mode) ctx.unsupported(`node mode ${modes[j]} (tree ${treeIds[j]} node ${nodeIds[j]})`);
    if (featureIds[j] < 0 || featureIds[j] >= c)
      ctx.unsupported(`tree ${treeIds[j]} node ${nodeIds[j]} tests feature ${featureIds[j]} of ${c}`);
    const [t, f] = [index.get(child(j, trueIds[j]))!, index.get(child(j, falseIds[j]))!];
    e.feature[k] = featureIds[j];
    e.threshold[k] = values[j];
    e.strict[k] = mode.strict;
    [e.hi[k], e.lo[k]] = mode.trueIsHi ? [t, f] : [f, t];
  });
  const wTrees = required(ctx, `${prefix}_treeids`, ctx.attrInts(`${prefix}_treeids`));
  const wNodes = required(ctx, `${prefix}_nodeids`, ctx.attrInts(`${prefix}_nodeids`), wTrees.length);
  const wIds = required(ctx, `${prefix}_ids`, ctx.attrInts(`${prefix}_ids`), wTrees.length);
  const weights = required(ctx, `${prefix}_weights`, floatsOf(ctx, `${prefix}_weights`), wTrees.length);
  wTrees.forEach((t, i) => {
    const j = at.get(key(t, wNodes[i]));
    if (j === undefined || modes[j] !== "LEAF") ctx.unsupported(`${prefix} weight ${i} is not on a leaf`);
    e.weight[index.get(j)! * targets + ids(wIds[i])] += weights[i];
  });
  return { e, ids: wIds, weights };
}

function emitTrees(ctx: NormalizeContext, name: string, e: Ensemble, base: number[]) {
  const x = features(ctx);
  const targets = base.length;
  ctx.emit({
    kind: "trees",
    inputs: [x.name],
    output: name,
    size: x.rows * targets,
    rows: x.rows,
    features: x.c,
    targets,
    ...e,
    base: Float64Array.from(base),
    nodes: [ctx.node.name],
  });
  const out: DynValue = { kind: "dyn", name, shape: [x.rows, targets] };
  return out;
}

/** TreeEnsembleRegressor: SUM or AVERAGE of the leaf values plus base_values, post_transform NONE. */
export function treeEnsembleRegressor(ctx: NormalizeContext): void {
  const { c } = features(ctx);
  const targets = ctx.attrInt("n_targets", 1);
  const post = ctx.attrString("post_transform", "NONE");
  if (post !== "NONE") ctx.unsupported(`post_transform ${post}`);
  const agg = ctx.attrString("aggregate_function", "SUM");
  if (agg !== "SUM" && agg !== "AVERAGE") ctx.unsupported(`aggregate_function ${agg}`);
  const { e } = readEnsemble(ctx, c, targets, "target", (id) => {
    if (id < 0 || id >= targets) ctx.unsupported(`target id ${id} of ${targets} targets`);
    return id;
  });
  if (agg === "AVERAGE") e.weight.forEach((w, i) => (e.weight[i] = w / e.roots.length));
  const base = floatsOf(ctx, "base_values") ?? [];
  if (base.length !== 0 && base.length !== targets)
    ctx.unsupported(`base_values has ${base.length} values for ${targets} targets`);
  ctx.define(0, emitTrees(ctx, ctx.node.outputs[0], e, base.length ? base : new Array<number>(targets).fill(0)));
}

/** TreeEnsembleClassifier (see the header for the binary form); named classes are read off the label index. */
export function treeEnsembleClassifier(ctx: NormalizeContext): void {
  const { c } = features(ctx);
  const { count, names } = classLabels(ctx, "classlabels_int64s");
  const classIds = required(ctx, "class_ids", ctx.attrInts("class_ids"));
  const used = new Set(classIds);
  const binary = count === 2 && used.size === 1;
  const classes = binary ? 1 : count;
  const { e, weights } = readEnsemble(ctx, c, classes, "class", (id) => {
    if (id < 0 || id >= count) ctx.unsupported(`class id ${id} of ${count} classes`);
    return binary ? 0 : id;
  });
  if (!binary && used.size !== count) ctx.unsupported(`only ${used.size} of ${count} classes have leaf weights`);
  const base = floatsOf(ctx, "base_values") ?? [];
  let scores: DynValue;
  const name = scoresName(ctx);
  if (binary) {
    if (base.length > 1) ctx.unsupported(`a binary classifier with ${base.length} base_values`);
    const theta = weights.every((w) => w >= 0) ? 0.5 : 0;
    const d = (base[0] ?? 0) - theta;
    const w = new Float64Array(e.weight.length * 2);
    e.weight.forEach((v, i) => ([w[2 * i], w[2 * i + 1]] = [-v, v]));
    scores = emitTrees(ctx, name, { ...e, weight: w }, [-d, d]);
  } else {
    if (base.length !== 0 && base.length !== classes)
      ctx.unsupported(`base_values has ${base.length} values for ${classes} classes`);
    scores = emitTrees(ctx, name, e, base.length ? base : new Array<number>(classes).fill(0));
  }
  defineClassifierOutputs(ctx, scores, names);
}

/** The opset-5 TreeEnsemble's node modes (nodes_modes, uint8) as the older string names. */
const MODES_5 = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "BRANCH_MEMBER"];
const AGGREGATES_5 = ["AVERAGE", "SUM", "MIN", "MAX"];
const POST_5 = ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"];

/**
 * TreeEnsemble (ai.onnx.ml opset 5), the one tree operator of the newer ML opset: inner nodes
 * (nodes_*, thresholds and modes as tensors) and leaves (leaf_targetids, leaf_weights) in two
 * lists, each branch naming a node or a leaf (nodes_trueleafs / nodes_falseleafs), trees by
 * tree_roots; no base values. SUM or AVERAGE, post_transform NONE: the same "trees" op as the
 * older regressor. Its output is the values; a classifier exported with it ends in an ArgMax.
 */
export function treeEnsemble(ctx: NormalizeContext): void {
  const { c } = features(ctx);
  const targets = ctx.attrInt("n_targets", 1);
  const post = ctx.attrInt("post_transform", 0);
  if (post !== 0) ctx.unsupported(`post_transform ${POST_5[post] ?? post}`);
  const agg = ctx.attrInt("aggregate_function", 1);
  if (agg !== 0 && agg !== 1) ctx.unsupported(`aggregate_function ${AGGREGATES_5[agg] ?? agg}`);
  const splits = ctx.attrTensor("nodes_splits");
  if (!splits) ctx.unsupported("missing attribute nodes_splits");
  const n = splits.data.length;
  const featureIds = required(ctx, "nodes_featureids", ctx.attrInts("nodes_featureids"), n);
  const modeTensor = ctx.attrTensor("nodes_modes")?.data;
  const modes = required(ctx, "nodes_modes", modeTensor ? Array.from(modeTensor) : undefined, n);
  const trueIds = required(ctx, "nodes_truenodeids", ctx.attrInts("nodes_truenodeids"), n);
  const trueLeaf = required(ctx, "nodes_trueleafs", ctx.attrInts("nodes_trueleafs"), n);
  const falseIds = required(ctx, "nodes_falsenodeids", ctx.attrInts("nodes_falsenodeids"), n);
  const falseLeaf = required(ctx, "nodes_falseleafs", ctx.attrInts("nodes_falseleafs"), n);
  const treeRoots = required(ctx, "tree_roots", ctx.attrInts("tree_roots"));
  const leafTargets = required(ctx, "leaf_targetids", ctx.attrInts("leaf_targetids"));
  const leafWeights = ctx.attrTensor("leaf_weights")?.data;
  if (!leafWeights || leafWeights.length !== leafTargets.length)
    ctx.unsupported(`leaf_weights has ${leafWeights?.length ?? 0} values for ${leafTargets.length} leaves`);
  // Breadth first from every root, so every parent comes before its children: our node k is an
  // inner node ("n", i) or a leaf ("l", j).
  const order: { leaf: boolean; i: number }[] = [];
  const seen = new Set<string>();
  const roots: number[] = [];
  const child = (i: number, side: "true" | "false") => {
    const [id, isLeaf] = side === "true" ? [trueIds[i], trueLeaf[i]] : [falseIds[i], falseLeaf[i]];
    const bound = isLeaf ? leafTargets.length : n;
    if (id < 0 || id >= bound) ctx.unsupported(`node ${i} points to missing ${isLeaf ? "leaf" : "node"} ${id}`);
    return { leaf: isLeaf !== 0, i: id };
  };
  for (const root of treeRoots) {
    if (root < 0 || root >= n) ctx.unsupported(`tree root ${root} of ${n} nodes`);
    roots.push(order.length);
    const queue = [{ leaf: false, i: root }];
    while (queue.length) {
      const v = queue.shift()!;
      const key = `${v.leaf ? "l" : "n"}${v.i}`;
      if (seen.has(key))
        ctx.unsupported(`the ensemble is not a forest: ${v.leaf ? "leaf" : "node"} ${v.i} has two parents`);
      seen.add(key);
      order.push(v);
      if (!v.leaf) queue.push(child(v.i, "true"), child(v.i, "false"));
    }
  }
  const index = new Map(order.map((v, k) => [`${v.leaf ? "l" : "n"}${v.i}`, k]));
  const e = emptyEnsemble(order.length, roots, targets);
  order.forEach((v, k) => {
    if (v.leaf) {
      const t = leafTargets[v.i];
      if (t < 0 || t >= targets) ctx.unsupported(`leaf ${v.i} adds to target ${t} of ${targets}`);
      e.feature[k] = -1;
      e.weight[k * targets + t] += leafWeights[v.i] / (agg === 0 ? roots.length : 1);
      return;
    }
    const name = MODES_5[modes[v.i]] ?? String(modes[v.i]);
    const mode = MODES[name];
    if (!mode) ctx.unsupported(`node mode ${name} (node ${v.i})`);
    if (featureIds[v.i] < 0 || featureIds[v.i] >= c)
      ctx.unsupported(`node ${v.i} tests feature ${featureIds[v.i]} of ${c}`);
    const key = (w: { leaf: boolean; i: number }) => index.get(`${w.leaf ? "l" : "n"}${w.i}`)!;
    const [t, f] = [key(child(v.i, "true")), key(child(v.i, "false"))];
    e.feature[k] = featureIds[v.i];
    e.threshold[k] = splits.data[v.i];
    e.strict[k] = mode.strict;
    [e.hi[k], e.lo[k]] = mode.trueIsHi ? [t, f] : [f, t];
  });
  ctx.define(0, emitTrees(ctx, ctx.node.outputs[0], e, new Array<number>(targets).fill(0)));
}

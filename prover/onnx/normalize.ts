// ONNX graph -> float graph (a DAG in topological order): constants folded into weights,
// views (Flatten / Reshape / Squeeze) resolved, Gemm / MatMul+Add turned into dense ops,
// BatchNormalization and constant Mul / Add folded into the preceding Conv / Gemm,
// Softmax / ArgMax at the output recorded as the head.
// Every operator goes through the table in ops/index.ts; a model using operators outside it fails
// at once with all of them, their nodes and the opset, and the known patterns they belong to
// (./unsupported.ts).
import { OnnxFormatError, ShapeMismatchError } from "../errors.js";
import type { FloatGraph, FloatOp, MatMulOp } from "../model/float-graph.js";
import { NormalizeContext, type Value } from "./context.js";
import { type Dim, type OnnxModel, type OnnxNode, operatorKey } from "./load-model.js";
import { OPERATORS } from "./ops/index.js";
import { checkOperators } from "./unsupported.js";

function concreteInputShape(name: string, dims: Dim[]): number[] {
  return dims.map((d, i) => {
    if (typeof d === "number") return d;
    if (i === 0) return 1; // symbolic batch dimension: assay proves one input at a time
    throw new ShapeMismatchError(`graph input "${name}" has a symbolic non-batch dimension`, ["numbers"], dims);
  });
}

export function normalize(model: OnnxModel): FloatGraph {
  if (model.inputs.length !== 1) {
    throw new OnnxFormatError(`assay needs exactly one graph input, the model has ${model.inputs.length}`);
  }
  const notes = provenOutput(model);
  checkOperators(model);
  const input = model.inputs[0];
  const inputShape = concreteInputShape(input.name, input.shape);

  const values = new Map<string, Value>();
  for (const [name, tensor] of model.initializers) values.set(name, { kind: "const", tensor });
  values.set(input.name, { kind: "dyn", name: input.name, shape: inputShape });

  const consumers = new Map<string, number>();
  for (const n of model.nodes) for (const i of n.inputs) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const graphOutputs = new Set(model.outputs.map((o) => o.name));

  const readers = new Map<string, OnnxNode[]>();
  for (const n of model.nodes) for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const skipped = new Set<OnnxNode>();

  const ops: FloatOp[] = [];
  // Constant nodes first (they read nothing): a fused pattern sees the constants inside it.
  const constants = model.nodes.filter((n) => operatorKey(n) === "Constant");
  for (const node of [...constants, ...model.nodes]) {
    if (skipped.has(node)) continue;
    if (operatorKey(node) === "Constant") skipped.add(node);
    const ctx = new NormalizeContext(node, model.opset, values, ops, consumers, graphOutputs, readers, skipped);
    OPERATORS[operatorKey(node)](ctx);
  }

  const outName = model.outputs[0].name;
  const out = values.get(outName);
  if (!out) throw new OnnxFormatError(`graph output "${outName}" is not produced by any node`);
  if (out.kind !== "dyn") throw new OnnxFormatError(`graph output "${outName}" is a constant`);

  // Keep only the ops the output depends on (ONNX nodes are topologically sorted).
  const needed = new Set([out.name]);
  const live: FloatOp[] = [];
  for (let i = ops.length - 1; i >= 0; i--) {
    if (!needed.has(ops[i].output)) continue;
    live.unshift(ops[i]);
    for (const name of ops[i].inputs) needed.add(name);
  }
  for (const op of live) if (op.kind === "matmul") scaleAtSource(live, op, out.name);

  return {
    input: { name: input.name, onnxName: input.name, shape: inputShape, ...(input.integer ? { integer: true } : {}) },
    ops: live,
    output: { name: out.name, onnxName: outName, shape: out.shape, valueShape: out.valueShape ?? out.shape },
    head: out.head ?? "none",
    headSpec: out.headSpec ?? { axis: Math.max(0, out.shape.length - 1), keepdims: true, selectLastIndex: false },
    opset: model.opset,
    ...(notes.length ? { notes } : {}),
  };
}

const CLASSIFIERS = new Set(["ai.onnx.ml.LinearClassifier", "ai.onnx.ml.TreeEnsembleClassifier"]);
/** Operators whose optional statistics outputs may be graph outputs (left unproven). */
const WITH_STATISTICS = new Set(["LayerNormalization"]);

/**
 * Checks that the graph has one output, or a classifier's label first and only its scores
 * (directly or through ZipMap) after it, or a LayerNormalization's Y first and only its Mean /
 * InvStdDev after it; returns the notes on the outputs left unproven.
 */
function provenOutput(model: OnnxModel): string[] {
  const outs = model.outputs.map((o) => o.name);
  if (outs.length === 1) return [];
  const producer = (name: string) => model.nodes.find((n) => n.outputs.includes(name));
  const first = producer(outs[0]);
  const rest = outs
    .slice(1)
    .map((n) => `"${n}"`)
    .join(", ");
  if (
    first !== undefined &&
    WITH_STATISTICS.has(operatorKey(first)) &&
    first.outputs[0] === outs[0] &&
    outs.slice(1).every((name) => first.outputs.indexOf(name) > 0)
  )
    return [`graph output ${rest} (${first.opType}'s statistics) is not proven: the claim's output is "${outs[0]}"`];
  const ok =
    first !== undefined &&
    CLASSIFIERS.has(operatorKey(first)) &&
    first.outputs[0] === outs[0] &&
    outs.slice(1).every((name) => {
      const p = producer(name);
      return (
        p === first ||
        (p !== undefined && operatorKey(p) === "ai.onnx.ml.ZipMap" && first.outputs.includes(p.inputs[0]))
      );
    });
  if (!ok) throw new OnnxFormatError(`assay needs exactly one graph output, the model has ${outs.length}`);
  return [`graph output ${rest} (the classifier's scores) is not proven: the claim's output is the label "${outs[0]}"`];
}

/**
 * Attention's 1/sqrt(d) (a MatMul's folded scalar) moved into the dense layer that makes its
 * first operand, when only data movement lies between them and nothing else reads the way: exact
 * algebra, and the scores no longer carry the multiplier's extra bits (which every RowMax digit
 * would range-check).
 */
function scaleAtSource(ops: FloatOp[], mm: MatMulOp, output: string): void {
  if (mm.scale === 1) return;
  const readers = (name: string) => ops.filter((o) => o.inputs.includes(name)).length + (name === output ? 1 : 0);
  const byOutput = new Map(ops.map((o) => [o.output, o]));
  let name = mm.inputs[0];
  for (;;) {
    const op = byOutput.get(name);
    if (!op || readers(name) !== 1) return;
    if (op.kind === "dense") {
      op.weight = op.weight.map((w) => w * mm.scale);
      op.bias = op.bias.map((b) => b * mm.scale);
      mm.scale = 1;
      return;
    }
    // Data movement of one tensor with no constants scales with it.
    if (op.kind !== "gather" || op.inputs.length !== 1 || op.from.some((f) => f < 0)) return;
    name = op.inputs[0];
  }
}

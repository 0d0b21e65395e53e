// What an operator handler sees while the graph is normalized: its node, typed access to
// inputs and attributes, and ways to define outputs and emit float-graph ops.
import type onnxProto from "onnx-proto";
import { ShapeMismatchError, UnsupportedOperatorError } from "../errors.js";
import type { FloatOp, OutputHead } from "../model/float-graph.js";
import type { OnnxNode } from "./load-model.js";
import { type ConstTensor, decodeTensor } from "./tensor.js";

export interface ConstValue {
  kind: "const";
  tensor: ConstTensor;
}
export interface DynValue {
  kind: "dyn";
  /** Name of the float-graph tensor holding this value. */
  name: string;
  shape: number[];
  /** Set once Softmax / ArgMax was applied: only the graph output (or ArgMax after Softmax) may follow. */
  head?: OutputHead;
}
export type Value = ConstValue | DynValue;

export class NormalizeContext {
  constructor(
    readonly node: OnnxNode,
    readonly opset: number,
    private readonly values: Map<string, Value>,
    private readonly ops: FloatOp[],
    private readonly consumerCount: Map<string, number>,
    private readonly graphOutputs: Set<string>,
  ) {}

  unsupported(reason?: string): never {
    throw new UnsupportedOperatorError(this.node.opType, this.node.name, this.opset, reason);
  }

  get inputCount(): number {
    return this.node.inputs.filter((n) => n !== "").length;
  }

  input(i: number): Value | undefined {
    const name = this.node.inputs[i];
    if (!name) return undefined;
    const v = this.values.get(name);
    if (!v) this.unsupported(`input "${name}" is not produced by any earlier node`);
    return v;
  }

  constInput(i: number, what: string): ConstTensor {
    const v = this.input(i);
    if (!v) this.unsupported(`missing ${what}`);
    if (v.kind !== "const") this.unsupported(`${what} must be a constant (initializer or Constant node)`);
    return v.tensor;
  }

  dynInput(i: number): DynValue {
    const v = this.input(i);
    if (!v) this.unsupported(`missing input ${i}`);
    if (v.kind !== "dyn") this.unsupported(`input ${i} is a constant; constant folding of ${this.node.opType} is not supported`);
    if (v.head && !(v.head === "softmax" && this.node.opType === "ArgMax")) {
      this.unsupported(`it follows ${v.head === "softmax" ? "Softmax" : "ArgMax"}, which is supported only at the graph output`);
    }
    return v;
  }

  private attr(name: string): onnxProto.onnx.IAttributeProto | undefined {
    return this.node.attributes.get(name);
  }

  attrInt(name: string, dflt: number): number {
    const a = this.attr(name);
    if (!a || a.i == null) return dflt;
    return typeof a.i === "number" ? a.i : a.i.toNumber();
  }

  attrFloat(name: string, dflt: number): number {
    const a = this.attr(name);
    return a && a.f != null && a.type === 1 ? a.f : dflt;
  }

  attrInts(name: string): number[] | undefined {
    const a = this.attr(name);
    return a?.ints?.map((v) => (typeof v === "number" ? v : v.toNumber()));
  }

  attrTensor(name: string): ConstTensor | undefined {
    const a = this.attr(name);
    return a?.t ? decodeTensor(a.t, `node "${this.node.name}" attribute ${name}`) : undefined;
  }

  hasAttr(name: string): boolean {
    return this.node.attributes.has(name);
  }

  define(outputIndex: number, v: Value): void {
    const name = this.node.outputs[outputIndex];
    if (name) this.values.set(name, v);
  }

  /** Output value named by this node's output `i`, as a dynamic tensor of `shape`. */
  dynOutput(i: number, shape: number[]): DynValue {
    const v: DynValue = { kind: "dyn", name: this.node.outputs[i], shape };
    this.define(i, v);
    return v;
  }

  emit(op: FloatOp): void {
    this.ops.push(op);
  }

  /** The float op that produced tensor `name`, if it was the most recent op. */
  lastOpProducing(name: string): FloatOp | undefined {
    const last = this.ops[this.ops.length - 1];
    return last && last.output === name ? last : undefined;
  }

  consumers(onnxName: string): number {
    return this.consumerCount.get(onnxName) ?? 0;
  }

  isGraphOutput(onnxName: string): boolean {
    return this.graphOutputs.has(onnxName);
  }


  expectShape(what: string, expected: number[], got: number[]): void {
    if (expected.length !== got.length || expected.some((d, i) => d !== got[i])) {
      throw new ShapeMismatchError(`node "${this.node.name}" (${this.node.opType}) ${what}`, expected, got);
    }
  }
}

/** Collapses a [1, ..., K] or [K] activation to its feature count K (batch 1, vector data). */
export function vectorFeatures(ctx: NormalizeContext, v: DynValue): number {
  const dims = v.shape.filter((d, i) => !(i === 0 && d === 1 && v.shape.length > 1));
  if (dims.length !== 1) ctx.unsupported(`expects a [1, K] activation, got shape [${v.shape.join(", ")}]`);
  return dims[0];
}

// What an operator handler sees while the graph is normalized: its node, typed access to
// inputs and attributes, and ways to define outputs and emit float-graph ops.
import type onnxProto from "onnx-proto";
import { ShapeMismatchError, UnsupportedOperatorError } from "../errors.js";
import type { FloatOp, HeadSpec, OutputHead } from "../model/float-graph.js";
import { type OnnxNode, operatorKey } from "./load-model.js";
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
  headSpec?: HeadSpec;
  /** With a head: the shape of the values the head reads. */
  valueShape?: number[];
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
    private readonly readers: ReadonlyMap<string, readonly OnnxNode[]> = new Map(),
    private readonly skipped: Set<OnnxNode> = new Set(),
  ) {}

  /** The nodes reading ONNX tensor `onnxName`, in graph order. */
  readersOf(onnxName: string): readonly OnnxNode[] {
    return this.readers.get(onnxName) ?? [];
  }

  /** Marks later nodes as handled by this one (a fused pattern): the normalizer skips them. */
  absorb(nodes: readonly OnnxNode[]): void {
    for (const n of nodes) this.skipped.add(n);
  }

  /** The constant named by an ONNX tensor name, if it is one. */
  constValue(onnxName: string): ConstTensor | undefined {
    const v = this.values.get(onnxName);
    return v?.kind === "const" ? v.tensor : undefined;
  }

  /** The value of a one-element constant named `onnxName`, if it is one. */
  constScalar(onnxName: string): number | undefined {
    const t = this.constValue(onnxName);
    return t && t.data.length === 1 ? t.data[0] : undefined;
  }

  /** The only node reading `onnxName` when it has one of `opTypes` (and `onnxName` is no graph output). */
  soleReader(onnxName: string, ...opTypes: string[]): OnnxNode | undefined {
    const r = this.readersOf(onnxName);
    return r.length === 1 && opTypes.includes(r[0].opType) && !this.isGraphOutput(onnxName) ? r[0] : undefined;
  }

  /** Defines ONNX tensor `onnxName` (a later node's output, when a pattern is fused). */
  defineName(onnxName: string, v: Value): void {
    this.values.set(onnxName, v);
  }

  unsupported(reason?: string): never {
    throw new UnsupportedOperatorError(operatorKey(this.node), this.node.name, this.opset, reason);
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
    if (v.kind !== "dyn")
      this.unsupported(`input ${i} is a constant; constant folding of ${this.node.opType} is not supported`);
    if (v.head && !(v.head === "softmax" && this.node.opType === "ArgMax")) {
      this.unsupported(
        `it follows ${v.head === "softmax" ? "Softmax" : "ArgMax"}, which is supported only at the graph output`,
      );
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

  attrFloats(name: string): number[] | undefined {
    return this.attr(name)?.floats ?? undefined;
  }

  attrString(name: string, dflt: string): string {
    const a = this.attr(name);
    if (!a || a.s == null || a.s.length === 0) return dflt;
    return typeof a.s === "string" ? a.s : new TextDecoder().decode(a.s);
  }

  attrStrings(name: string): string[] | undefined {
    return this.attr(name)?.strings?.map((b) => (typeof b === "string" ? b : new TextDecoder().decode(b)));
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

  /**
   * The float op that produced input `i` when a constant may be folded into it: the input is
   * that op's own output (no view in between), read by this node only, and not a graph output.
   */
  foldableProducer(i: number): FloatOp | undefined {
    const name = this.node.inputs[i];
    const v = this.values.get(name);
    if (!v || v.kind !== "dyn" || v.name !== name || v.head) return undefined;
    if (this.consumers(name) !== 1 || this.isGraphOutput(name)) return undefined;
    return this.ops.find((op) => op.output === name);
  }

  /** Records that this node was folded into `op`: `op` now writes this node's output 0. */
  foldInto(op: FloatOp, shape: number[]): void {
    op.nodes.push(this.node.name);
    op.output = this.node.outputs[0];
    this.define(0, { kind: "dyn", name: op.output, shape });
  }

  /** Fails unless only output 0 of this node is used (optional outputs such as masks or indices). */
  onlyFirstOutput(): void {
    for (let i = 1; i < this.node.outputs.length; i++) {
      const name = this.node.outputs[i];
      if (name && (this.consumers(name) > 0 || this.isGraphOutput(name)))
        this.unsupported(`output ${i} ("${name}") is used`);
    }
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

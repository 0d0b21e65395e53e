// Reads an .onnx file into plain data: opset, graph inputs/outputs with shapes, constant
// tensors (initializers) and nodes in topological order. No interpretation happens here.
import { readFileSync } from "node:fs";
import onnxProto from "onnx-proto";
import { OnnxFormatError } from "../errors.js";
import { type ConstTensor, decodeTensor } from "./tensor.js";

const { onnx } = onnxProto;

export type Dim = number | string;

export interface ValueInfo {
  name: string;
  shape: Dim[];
  /** An integer element type (token ids): read as exact integers. */
  integer?: boolean;
}

const INTEGER_TYPES = new Set<number>([
  onnx.TensorProto.DataType.INT8,
  onnx.TensorProto.DataType.INT16,
  onnx.TensorProto.DataType.INT32,
  onnx.TensorProto.DataType.INT64,
  onnx.TensorProto.DataType.UINT8,
  onnx.TensorProto.DataType.UINT16,
  onnx.TensorProto.DataType.UINT32,
  onnx.TensorProto.DataType.UINT64,
]);

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, onnxProto.onnx.IAttributeProto>;
}

/** An operator's name across domains: `OpType` in ai.onnx, `domain.OpType` elsewhere (ai.onnx.ml). */
export function operatorKey(node: { domain: string; opType: string }): string {
  return node.domain && node.domain !== "ai.onnx" ? `${node.domain}.${node.opType}` : node.opType;
}

export interface OnnxModel {
  opset: number;
  producer: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, ConstTensor>;
  nodes: OnnxNode[];
}

function dimsOf(v: onnxProto.onnx.IValueInfoProto): Dim[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => {
    if (d.dimParam) return d.dimParam;
    const n = d.dimValue == null ? 0 : typeof d.dimValue === "number" ? d.dimValue : d.dimValue.toNumber();
    return n > 0 ? n : "?";
  });
}

export function parseModel(bytes: Uint8Array, source = "model"): OnnxModel {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxFormatError(`${source}: not an ONNX model (${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g) throw new OnnxFormatError(`${source}: ONNX model has no graph`);
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx")?.version;
  const initializers = new Map<string, ConstTensor>();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? "", decodeTensor(t, `${source} initializer`));
  const nodes = (g.node ?? []).map((n, i) => ({
    name: n.name || `${n.opType}_${i}`,
    opType: n.opType ?? "",
    domain: n.domain ?? "",
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: new Map((n.attribute ?? []).map((a) => [a.name ?? "", a])),
  }));
  return {
    opset: opset == null ? 1 : Number(opset),
    producer: `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim(),
    // Old exporters list initializers among graph inputs; those are constants, not inputs.
    inputs: (g.input ?? [])
      .filter((v) => !initializers.has(v.name ?? ""))
      .map((v) => ({
        name: v.name ?? "",
        shape: dimsOf(v),
        ...(INTEGER_TYPES.has(v.type?.tensorType?.elemType ?? 0) ? { integer: true } : {}),
      })),
    outputs: (g.output ?? []).map((v) => ({ name: v.name ?? "", shape: dimsOf(v) })),
    initializers,
    nodes,
  };
}

export function loadModel(path: string): OnnxModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new OnnxFormatError(`cannot read ONNX model ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseModel(bytes, path);
}

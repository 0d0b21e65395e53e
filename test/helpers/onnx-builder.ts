// Builds small ONNX models in memory (onnx-proto) for tests: arbitrary nodes, initializers
// and opsets, so every normalizer path and error can be exercised without fixture files.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<
    string,
    | number
    | number[]
    | { tensor: TensorSpec }
    | { float: number }
    | { floats: number[] }
    | { string: string }
    | { strings: string[] }
  >;
}

export interface TensorSpec {
  dims: number[];
  data: number[];
  type?: "float" | "int64" | "uint8";
}

function tensor(name: string, t: TensorSpec): onnxProto.onnx.ITensorProto {
  if (t.type === "int64") {
    return { name, dims: t.dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: t.data };
  }
  if (t.type === "uint8") return { name, dims: t.dims, dataType: onnx.TensorProto.DataType.UINT8, int32Data: t.data };
  return { name, dims: t.dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: t.data };
}

function valueInfo(name: string, dims: (number | string)[], type?: "int64" | "string"): onnxProto.onnx.IValueInfoProto {
  const DT = onnx.TensorProto.DataType;
  return {
    name,
    type: {
      tensorType: {
        elemType: type === "int64" ? DT.INT64 : type === "string" ? DT.STRING : DT.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function buildModel(spec: {
  input: { name: string; dims: (number | string)[]; type?: "int64" };
  output: { name: string; dims: (number | string)[]; type?: "int64" | "string" };
  /** More graph outputs after `output` (a classifier's scores). */
  moreOutputs?: { name: string; dims: (number | string)[] }[];
  nodes: NodeSpec[];
  initializers?: Record<string, TensorSpec>;
  opset?: number;
  /** The ai.onnx.ml opset (default 3; 5 has TreeEnsemble). */
  mlOpset?: number;
}): Uint8Array {
  const nodes = spec.nodes.map((n, i) => ({
    opType: n.op,
    name: n.name ?? `${n.op}_${i}`,
    domain: n.domain ?? "",
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([name, v]) => {
        if (typeof v === "number") return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
        if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
        if ("float" in v) return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float };
        if ("floats" in v) return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: v.floats };
        if ("strings" in v) {
          const strings = v.strings.map((x) => new TextEncoder().encode(x));
          return { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings };
        }
        if ("string" in v)
          return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v.string) };
        return { name, type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor("", v.tensor) };
      }),
  }));
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: "assay-test",
    opsetImport: [
      { domain: "", version: spec.opset ?? 13 },
      ...(spec.nodes.some((n) => n.domain === "ai.onnx.ml")
        ? [{ domain: "ai.onnx.ml", version: spec.mlOpset ?? 3 }]
        : []),
    ],
    graph: {
      name: "g",
      node: nodes,
      initializer: Object.entries(spec.initializers ?? {}).map(([n, t]) => tensor(n, t)),
      input: [valueInfo(spec.input.name, spec.input.dims, spec.input.type)],
      output: [spec.output, ...(spec.moreOutputs ?? [])].map((o) =>
        valueInfo(o.name, o.dims, "type" in o ? (o.type as "int64" | "string" | undefined) : undefined),
      ),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random floats in [-1, 1) (xorshift). */
export function randomFloats(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  });
}

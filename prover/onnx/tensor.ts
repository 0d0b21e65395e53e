// ONNX TensorProto -> dense float64 array with its dims.
import onnxProto from "onnx-proto";
import { OnnxFormatError } from "../errors.js";

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export interface ConstTensor {
  dims: number[];
  data: Float64Array;
}

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function longToNumber(v: number | { toNumber(): number }): number {
  return typeof v === "number" ? v : v.toNumber();
}

/** Decodes the numeric payload of a TensorProto (float, double, int8..int64, bool). */
export function decodeTensor(t: onnxProto.onnx.ITensorProto, where: string): ConstTensor {
  const dims = (t.dims ?? []).map(longToNumber);
  const n = numel(dims);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw new OnnxFormatError(`${where}: tensor "${t.name}" uses external data, which assay does not read`);
  }
  const out = new Float64Array(n);
  // A copy: rawData is a view into a pooled buffer.
  const raw = t.rawData && t.rawData.length > 0 ? Uint8Array.from(t.rawData) : undefined;
  const view = raw ? new DataView(raw.buffer) : undefined;
  const fill = (get: (i: number) => number, width: number) => {
    if (view && raw!.length !== n * width) {
      throw new OnnxFormatError(`${where}: tensor "${t.name}" has ${raw!.length} raw bytes for ${n} values`);
    }
    for (let i = 0; i < n; i++) out[i] = get(i);
  };
  switch (t.dataType) {
    case DT.FLOAT:
      if (view) fill((i) => view.getFloat32(i * 4, true), 4);
      else fill((i) => t.floatData![i], 4);
      break;
    case DT.DOUBLE:
      if (view) fill((i) => view.getFloat64(i * 8, true), 8);
      else fill((i) => t.doubleData![i], 8);
      break;
    case DT.INT64:
      if (view) fill((i) => Number(view.getBigInt64(i * 8, true)), 8);
      else fill((i) => longToNumber(t.int64Data![i] as number), 8);
      break;
    case DT.INT32:
      if (view) fill((i) => view.getInt32(i * 4, true), 4);
      else fill((i) => t.int32Data![i], 4);
      break;
    case DT.UINT64:
      if (view) fill((i) => Number(view.getBigUint64(i * 8, true)), 8);
      else fill((i) => longToNumber(t.uint64Data![i] as number), 8);
      break;
    case DT.UINT32:
      if (view) fill((i) => view.getUint32(i * 4, true), 4);
      else fill((i) => longToNumber(t.uint64Data![i] as number), 4);
      break;
    case DT.INT16:
      if (view) fill((i) => view.getInt16(i * 2, true), 2);
      else fill((i) => t.int32Data![i], 2);
      break;
    case DT.UINT16:
      if (view) fill((i) => view.getUint16(i * 2, true), 2);
      else fill((i) => t.int32Data![i], 2);
      break;
    case DT.INT8:
      if (view) fill((i) => view.getInt8(i), 1);
      else fill((i) => t.int32Data![i], 1);
      break;
    case DT.UINT8:
    case DT.BOOL:
      if (view) fill((i) => view.getUint8(i), 1);
      else fill((i) => t.int32Data![i], 1);
      break;
    default:
      throw new OnnxFormatError(`${where}: tensor "${t.name}" has unsupported data type ${t.dataType}`);
  }
  if (!view) {
    const have =
      t.dataType === DT.FLOAT
        ? t.floatData?.length
        : t.dataType === DT.DOUBLE
          ? t.doubleData?.length
          : t.dataType === DT.INT64
            ? t.int64Data?.length
            : t.dataType === DT.UINT64 || t.dataType === DT.UINT32
              ? t.uint64Data?.length
              : t.int32Data?.length;
    if ((have ?? 0) !== n)
      throw new OnnxFormatError(`${where}: tensor "${t.name}" holds ${have ?? 0} values for dims [${dims}]`);
  }
  return { dims, data: out };
}

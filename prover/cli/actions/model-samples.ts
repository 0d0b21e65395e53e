// Sample sets (calibration, held-out data) read against the model they are for: rows are found
// from the model's input shape (prover/data/samples.ts), so files may hold inputs in the model's
// own shape, nested or flat.
import type { DataSet } from "../../data/dataset.js";
import { parseSamples } from "../../data/samples.js";
import { loadModel, normalize } from "../../onnx/index.js";
import { readJsonFile } from "../parse.js";

/** The input shape of an ONNX model, as assay proves it (a symbolic batch dimension is 1). */
export function onnxInputShape(onnx: string): number[] {
  return normalize(loadModel(onnx)).input.shape;
}

/** The sample set in `file`, for a model whose input has shape `inputShape`. */
export function readSamples(file: string, inputShape: readonly number[]): DataSet {
  return parseSamples(readJsonFile(file, "data set"), file, inputShape);
}

// Paths of the committed models and digits data sets (models/, models/data/).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type DataSet, loadDataSet } from "../../prover/data/dataset.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function loadDigits(resolution: 8 | 14 | 28, split: "calib" | "test"): DataSet & { labels: number[] } {
  return loadDataSet(path.join(ROOT, "models/data", `digits-${resolution}x${resolution}-${split}.json`)) as DataSet & {
    labels: number[];
  };
}

export function modelPath(name: string): string {
  return path.join(ROOT, "models", `${name}.onnx`);
}

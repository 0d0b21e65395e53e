// Paths of the committed models and digits data sets (models/, models/data/).
import path from "node:path";
import { PROJECT_ROOT } from "../../prover/artifacts.js";
import { type DataSet, loadDataSet } from "../../prover/data/dataset.js";

export type LabelledDataSet = DataSet & { labels: number[] };

export function loadDigits(resolution: 8 | 14 | 28, split: "calib" | "test"): LabelledDataSet {
  const file = path.join(PROJECT_ROOT, "models/data", `digits-${resolution}x${resolution}-${split}.json`);
  return loadDataSet(file) as LabelledDataSet;
}

export function modelPath(name: string): string {
  return path.join(PROJECT_ROOT, "models", `${name}.onnx`);
}

// Sample sets (calibration and held-out inputs): JSON { shape: [rows, ...sample shape], data: flat
// numbers, labels?: number[] }, as written by models/train*.py and accepted by
// `assay model compile --calib`. Each sample is read flat (row-major).
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";

export interface DataSet {
  xs: number[][];
  labels?: number[];
}

export function parseDataSet(json: unknown, source: string): DataSet {
  const j = json as { shape?: unknown; data?: unknown; labels?: unknown };
  const ok = (d: unknown) => Number.isInteger(d) && (d as number) >= 0;
  if (!Array.isArray(j?.shape) || j.shape.length < 2 || !j.shape.every(ok) || !Array.isArray(j.data)) {
    throw new InputError(`${source}: expected { "shape": [rows, n, ...], "data": [...] }`);
  }
  const shape = j.shape as number[];
  const [rows, n] = [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
  if (j.data.length !== rows * n)
    throw new InputError(`${source}: shape [${shape.join(", ")}] needs ${rows * n} numbers, found ${j.data.length}`);
  const data = j.data as number[];
  return {
    xs: Array.from({ length: rows }, (_, i) => data.slice(i * n, (i + 1) * n)),
    labels: Array.isArray(j.labels) ? (j.labels as number[]) : undefined,
  };
}

export function loadDataSet(file: string): DataSet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`cannot read data set ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`);
  }
  return parseDataSet(json, file);
}

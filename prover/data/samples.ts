// Input tensors and sample sets as users write them: a model input as a flat or nested JSON array
// (in the model's own shape, [1, 1, 8, 8], or flat), and sample sets (calibration, held-out data)
// as rows in any of the layouts below. Every error names the file and the element at fault.
//
//   input file   [..]  |  { "input": [..] }  |  { "shape": [..], "data": [..] }
//   sample set   [..]  |  { "data": [..], "labels"?: [..] }  |  { "shape": [rows, ..], "data": [..], "labels"? }
//
// Arrays may be nested (rectangular) or flat. A sample set's rows are found from the model's input
// shape: a flat array is rows of n numbers back to back (n = the input's element count); a nested
// one must end in dimensions holding exactly n numbers ([rows, 64], [rows, 1, 8, 8], [rows, 8, 8]
// for a [1, 1, 8, 8] model), and everything before them counts rows.
import { InputError } from "../errors.js";
import type { DataSet } from "./dataset.js";

/** Numbers in row-major order and the dimensions of the (rectangular) array they came from. */
export interface Tensor {
  dims: number[];
  values: number[];
}

function where(path: number[]): string {
  return path.length === 1 ? `element ${path[0]}` : `element ${path.map((i) => `[${i}]`).join("")}`;
}

function dimsOf(a: unknown): number[] {
  const dims: number[] = [];
  for (let x = a; Array.isArray(x); x = x[0]) dims.push(x.length);
  return dims;
}

/** A JSON value that must be a rectangular array of finite numbers (any depth). */
export function nestedTensor(json: unknown, source: string): Tensor {
  if (!Array.isArray(json)) throw new InputError(`${source}: expected an array of numbers`);
  const dims = dimsOf(json);
  const values: number[] = [];
  const walk = (x: unknown, depth: number, path: number[]): void => {
    if (depth === dims.length) {
      if (typeof x !== "number" || !Number.isFinite(x))
        throw new InputError(`${source}: ${where(path)} is ${JSON.stringify(x)}, not a finite number`);
      values.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== dims[depth]) {
      const got = Array.isArray(x) ? `${x.length} elements` : JSON.stringify(x);
      throw new InputError(
        `${source}: ${path.length ? where(path) : "the array"} is ${got}; ` +
          `expected ${dims[depth]} elements like the first (the array must be rectangular)`,
      );
    }
    x.forEach((v, i) => walk(v, depth + 1, [...path, i]));
  };
  walk(json, 0, []);
  return { dims, values };
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function declaredShape(shape: unknown, source: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new InputError(`${source}: "shape" must be an array of positive integers, got ${JSON.stringify(shape)}`);
  return shape as number[];
}

/** `data` read against a declared `shape`: flat with exactly its count, or nested in exactly that shape. */
function shapedTensor(shape: unknown, data: unknown, source: string): Tensor {
  const dims = declaredShape(shape, source);
  const t = nestedTensor(data, `${source} "data"`);
  if (t.dims.length > 1 && t.dims.join() !== dims.join())
    throw new InputError(`${source}: "data" is nested as [${t.dims.join(", ")}], "shape" says [${dims.join(", ")}]`);
  if (t.values.length !== product(dims))
    throw new InputError(
      `${source}: shape [${dims.join(", ")}] needs ${product(dims)} numbers, found ${t.values.length}`,
    );
  return { dims, values: t.values };
}

/** One model input: a (nested) array, { input }, or { shape, data }; returns its numbers in order. */
export function parseInput(json: unknown, source: string): number[] {
  if (Array.isArray(json)) return nestedTensor(json, source).values;
  const j = json as { input?: unknown; shape?: unknown; data?: unknown } | null;
  if (Array.isArray(j?.input)) return nestedTensor(j.input, `${source} "input"`).values;
  if (j?.data !== undefined) return shapedTensor(j.shape, j.data, source).values;
  throw new InputError(`${source}: expected a JSON array of numbers, { "input": [...] } or { "shape", "data" }`);
}

/** How many rows `t` holds for inputs of `n` numbers: see the file comment. */
function rowsOf(t: Tensor, n: number, inputShape: readonly number[], source: string): number {
  const count = t.values.length;
  const model = `the model's input [${inputShape.join(", ")}] (${n} numbers)`;
  if (count === 0) throw new InputError(`${source}: no samples`);
  if (t.dims.length === 1) {
    if (count % n !== 0) throw new InputError(`${source}: ${count} numbers are not whole inputs of ${model}`);
    return count / n;
  }
  for (let k = 0; k < t.dims.length; k++) if (product(t.dims.slice(k)) === n) return product(t.dims.slice(0, k));
  throw new InputError(
    `${source}: an array shaped [${t.dims.join(", ")}] does not hold rows of ${model}: ` +
      "its last dimensions must multiply to the input's element count",
  );
}

/**
 * A sample set for a model whose input has shape `inputShape`: rows of its element count, and
 * the labels when given (one per row).
 */
export function parseSamples(json: unknown, source: string, inputShape: readonly number[]): DataSet {
  const j = json as { shape?: unknown; data?: unknown; labels?: unknown } | null;
  let t: Tensor;
  if (Array.isArray(json)) t = nestedTensor(json, source);
  else if (j?.data === undefined)
    throw new InputError(`${source}: expected an array of samples, { "data": [...] } or { "shape", "data" }`);
  else t = j.shape === undefined ? nestedTensor(j.data, `${source} "data"`) : shapedTensor(j.shape, j.data, source);
  const n = product(inputShape);
  const rows = rowsOf(t, n, inputShape, source);
  const xs = Array.from({ length: rows }, (_, i) => t.values.slice(i * n, (i + 1) * n));
  if (j?.labels === undefined || Array.isArray(json)) return { xs };
  if (!Array.isArray(j.labels) || j.labels.length !== rows || !j.labels.every((l) => Number.isInteger(l)))
    throw new InputError(`${source}: "labels" must be ${rows} integers, one per sample`);
  return { xs, labels: j.labels as number[] };
}

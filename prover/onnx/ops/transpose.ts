// Transpose: a permutation of axes (default: reversed). Pure data movement; a constant input
// (e.g. a weight some exporters transpose before MatMul) is permuted at normalization.
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { selectElements } from "./shape-ops.js";

/** For each element of x permuted by `perm` (row-major), the index of the element of x it reads. */
export function permutedIndex(shape: readonly number[], perm: readonly number[]): Int32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let a = rank - 1; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  const out = perm.map((p) => shape[p]);
  const index = new Int32Array(numel(out));
  const coord = new Array<number>(rank).fill(0);
  for (let k = 0; k < index.length; k++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += coord[a] * strides[perm[a]];
    index[k] = src;
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a] < out[a]) break;
      coord[a] = 0;
    }
  }
  return index;
}

export function transpose(ctx: NormalizeContext): void {
  const v = ctx.input(0);
  if (!v) ctx.unsupported("missing input");
  const x = v.kind === "const" ? { name: "", shape: v.tensor.dims } : ctx.dynInput(0);
  const rank = x.shape.length;
  const perm = ctx.attrInts("perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
    ctx.unsupported(`perm [${perm.join(", ")}] for rank ${rank}`);
  selectElements(
    ctx,
    permutedIndex(x.shape, perm),
    perm.map((p) => x.shape[p]),
  );
}

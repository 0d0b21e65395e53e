// Pad: constant (any value), reflect and edge modes; negative pads crop. Pure data movement.
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

function sourceIndex(i: number, len: number, mode: string): number {
  if (i >= 0 && i < len) return i;
  if (mode === "edge") return i < 0 ? 0 : len - 1;
  if (mode === "reflect") {
    if (len === 1) return 0;
    const period = 2 * (len - 1);
    let r = ((i % period) + period) % period;
    if (r >= len) r = period - r;
    return r;
  }
  return -1;
}

export function pad(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const rank = x.shape.length;
  const mode = ctx.attrString("mode", "constant");
  if (!["constant", "reflect", "edge"].includes(mode)) ctx.unsupported(`mode ${mode}`);
  let pads: number[];
  let value = 0;
  if (ctx.opset < 11) {
    pads = ctx.attrInts(ctx.opset < 2 ? "paddings" : "pads") ?? ctx.unsupported("missing pads");
    value = ctx.attrFloat("value", 0);
  } else {
    pads = Array.from(ctx.constInput(1, "pads").data);
    if (ctx.inputCount >= 3 && ctx.node.inputs[2]) value = ctx.constInput(2, "constant_value").data[0] ?? 0;
    if (ctx.node.inputs[3]) ctx.unsupported("the axes input is not supported");
  }
  if (pads.length !== 2 * rank) ctx.unsupported(`${pads.length} pads for rank ${rank}`);
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  if (shape.some((d) => d < 0)) ctx.unsupported("pads crop below zero size");
  if (mode !== "constant" && x.shape.some((d, i) => d === 0 && shape[i] > 0))
    ctx.unsupported(`${mode} padding of an empty axis`);
  const size = numel(shape);
  const from = new Int32Array(size);
  const index = new Int32Array(size);
  const fill = new Float64Array(size).fill(value);
  const coord = new Array<number>(rank).fill(0);
  for (let k = 0; k < size; k++) {
    let src = 0;
    let inside = true;
    for (let a = 0; a < rank; a++) {
      const s = sourceIndex(coord[a] - pads[a], x.shape[a], mode);
      if (s < 0) inside = false;
      src = src * x.shape[a] + Math.max(s, 0);
    }
    from[k] = inside ? 0 : -1;
    index[k] = inside ? src : 0;
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a] < shape[a]) break;
      coord[a] = 0;
    }
  }
  const out = ctx.dynOutput(0, shape);
  ctx.emit({ kind: "gather", inputs: [x.name], output: out.name, size, from, index, fill, nodes: [ctx.node.name] });
}

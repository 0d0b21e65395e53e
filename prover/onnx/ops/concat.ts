// Concat along an axis: pure data movement (constants among the inputs become fixed values).
import { normalizeAxis } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

export function concat(ctx: NormalizeContext): void {
  const parts = ctx.node.inputs.map((_, i) => ctx.input(i)).filter((v) => v !== undefined);
  if (parts.length === 0) ctx.unsupported("no inputs");
  const shapes = parts.map((v) => (v.kind === "dyn" ? v.shape : v.tensor.dims));
  const rank = shapes[0].length;
  const axis = normalizeAxis(ctx.attrInt("axis", ctx.opset < 4 ? 1 : 0), rank);
  if (axis === undefined) ctx.unsupported(`axis ${ctx.attrInt("axis", 0)} out of range for rank ${rank}`);
  for (const s of shapes)
    ctx.expectShape(
      "input (all dims but the axis must agree)",
      shapes[0].map((d, i) => (i === axis ? s[i] : d)),
      s,
    );
  const outer = numel(shapes[0].slice(0, axis));
  const inner = numel(shapes[0].slice(axis + 1));
  const shape = shapes[0].map((d, i) => (i === axis ? shapes.reduce((s, t) => s + t[axis], 0) : d));
  const size = numel(shape);
  if (parts.every((v) => v.kind === "const")) {
    // Folded (shape arithmetic, as exporters build initial states from Shape).
    const data: number[] = [];
    for (let o = 0; o < outer; o++) {
      parts.forEach((v, t) => {
        const block = shapes[t][axis] * inner;
        data.push(...v.tensor.data.slice(o * block, (o + 1) * block));
      });
    }
    return ctx.define(0, { kind: "const", tensor: { dims: shape, data: Float64Array.from(data) } });
  }
  const inputs: string[] = [];
  const from = new Int32Array(size);
  const index = new Int32Array(size);
  const fill = new Float64Array(size);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    parts.forEach((v, t) => {
      const block = shapes[t][axis] * inner;
      let slot = -1;
      if (v.kind === "dyn") {
        slot = inputs.indexOf(v.name);
        if (slot < 0) slot = inputs.push(v.name) - 1;
      }
      for (let i = 0; i < block; i++, k++) {
        from[k] = slot;
        index[k] = o * block + i;
        if (v.kind === "const") fill[k] = v.tensor.data[o * block + i];
      }
    });
  }
  const out = ctx.dynOutput(0, shape);
  ctx.emit({ kind: "gather", inputs, output: out.name, size, from, index, fill, nodes: [ctx.node.name] });
}

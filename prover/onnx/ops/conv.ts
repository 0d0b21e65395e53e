// Conv (1-D and 2-D): stride, padding (explicit or auto_pad), dilation, groups (depthwise
// included). Weights and bias must be constants.
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { windowAttrs } from "../window-attrs.js";

export function conv(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const w = ctx.constInput(1, "W (the kernel)");
  const group = ctx.attrInt("group", 1);
  if (w.dims.length !== x.shape.length)
    ctx.unsupported(`kernel of rank ${w.dims.length} for an input of rank ${x.shape.length}`);
  const kernel = ctx.attrInts("kernel_shape") ?? w.dims.slice(2);
  ctx.expectShape("kernel_shape", w.dims.slice(2), kernel);
  const { win, outShape } = windowAttrs(ctx, x, kernel, {});
  const m = w.dims[0];
  if (win.c % group !== 0 || m % group !== 0)
    ctx.unsupported(`group ${group} does not divide ${win.c} input / ${m} output channels`);
  ctx.expectShape("kernel channels (C / group)", [win.c / group], [w.dims[1]]);
  const bias = new Float64Array(m);
  if (ctx.inputCount >= 3) {
    const b = ctx.constInput(2, "B (the bias)");
    if (b.data.length !== m) ctx.unsupported(`bias of ${b.data.length} values for ${m} output channels`);
    bias.set(b.data);
  }
  const shape = outShape(m);
  const out = ctx.dynOutput(0, shape);
  ctx.emit({
    kind: "conv",
    inputs: [x.name],
    output: out.name,
    size: numel(shape),
    win,
    m,
    group,
    weight: Float64Array.from(w.data),
    bias,
    nodes: [ctx.node.name],
  });
}

// MaxPool (1-D and 2-D): kernel, stride, padding (padding never wins), dilation, ceil_mode.
// The Indices output is not supported.
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { windowAttrs } from "../window-attrs.js";

export function maxPool(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  ctx.onlyFirstOutput();
  const kernel = ctx.attrInts("kernel_shape");
  if (!kernel) ctx.unsupported("missing kernel_shape");
  const { win, outShape } = windowAttrs(ctx, x, kernel, { ceil: true });
  const shape = outShape(win.c);
  const out = ctx.dynOutput(0, shape);
  ctx.emit({ kind: "maxpool", inputs: [x.name], output: out.name, size: numel(shape), win, nodes: [ctx.node.name] });
}

// AveragePool (1-D and 2-D): kernel, stride, padding, ceil_mode, count_include_pad (dilations
// from opset 19 are not read: the suite here predates them).
import type { Window2D } from "../../model/float-graph.js";
import type { DynValue, NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { windowAttrs } from "../window-attrs.js";

export function averagePool(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const kernel = ctx.attrInts("kernel_shape");
  if (!kernel) ctx.unsupported("missing kernel_shape");
  const { win, pb, pr, outShape } = windowAttrs(ctx, x, kernel, { ceil: true, dilations: false });
  const includePad = ctx.attrInt("count_include_pad", 0) === 1;
  const divisor = new Float64Array(win.oh * win.ow);
  for (let oy = 0; oy < win.oh; oy++) {
    for (let ox = 0; ox < win.ow; ox++) {
      let count = 0;
      for (let ky = 0; ky < win.kh; ky++) {
        const iy = oy * win.sh - win.pt + ky;
        const inY = includePad ? iy < win.h + pb : iy >= 0 && iy < win.h;
        for (let kx = 0; kx < win.kw; kx++) {
          const ix = ox * win.sw - win.pl + kx;
          const inX = includePad ? ix < win.w + pr : ix >= 0 && ix < win.w;
          if (inY && inX) count++;
        }
      }
      divisor[oy * win.ow + ox] = count;
    }
  }
  emitAveragePool(ctx, x, win, outShape(win.c), divisor);
}

/** The node's output (of `shape`): window sums of `x` over `win`, each divided by its `divisor`. */
export function emitAveragePool(
  ctx: NormalizeContext,
  x: DynValue,
  win: Window2D,
  shape: number[],
  divisor: Float64Array,
): void {
  const out = ctx.dynOutput(0, shape);
  ctx.emit({
    kind: "avgpool",
    inputs: [x.name],
    output: out.name,
    size: numel(shape),
    win,
    divisor,
    nodes: [ctx.node.name],
  });
}

// Conv / pooling attributes (kernel_shape, strides, pads, dilations, auto_pad, ceil_mode) ->
// the 2-D window geometry of the float graph. 1-D operators become 2-D with height 1.
import type { Window2D } from "../model/float-graph.js";
import { outputLength } from "../model/window.js";
import type { DynValue, NormalizeContext } from "./context.js";

export interface WindowAttrs {
  win: Window2D;
  /** Padding after the last row / column (for count_include_pad). */
  pb: number;
  pr: number;
  /** Output shape in the input's rank: [n, c, oh, ow] or [n, c, ow]. */
  outShape: (channels: number) => number[];
}

/** Reads the window attributes of `ctx`'s node for input `x` ([n, c, h, w] or [n, c, l]) and kernel `kernel`. */
export function windowAttrs(
  ctx: NormalizeContext,
  x: DynValue,
  kernel: number[],
  opts: { ceil?: boolean; dilations?: boolean } = {},
): WindowAttrs {
  const rank = x.shape.length;
  if (rank !== 3 && rank !== 4)
    ctx.unsupported(`only 1-D and 2-D inputs are supported, got shape [${x.shape.join(", ")}]`);
  const sp = rank - 2;
  if (kernel.length !== sp) ctx.unsupported(`kernel_shape [${kernel.join(", ")}] does not match ${sp} spatial dims`);
  const strides = ctx.attrInts("strides") ?? new Array<number>(sp).fill(1);
  const dil =
    opts.dilations === false
      ? new Array<number>(sp).fill(1)
      : (ctx.attrInts("dilations") ?? new Array<number>(sp).fill(1));
  let pads = ctx.attrInts("pads") ?? new Array<number>(2 * sp).fill(0);
  if (strides.length !== sp || dil.length !== sp || pads.length !== 2 * sp)
    ctx.unsupported("strides / dilations / pads do not match the spatial rank");
  const spatial = x.shape.slice(2);
  const autoPad = ctx.attrString("auto_pad", "NOTSET");
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = new Array<number>(2 * sp).fill(0);
    for (let i = 0; i < sp; i++) {
      const out = Math.ceil(spatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - spatial[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[i + sp] = total - pads[i];
    }
  } else if (autoPad === "VALID") {
    pads = new Array<number>(2 * sp).fill(0);
  } else if (autoPad !== "NOTSET") {
    ctx.unsupported(`auto_pad ${autoPad}`);
  }
  const ceil = opts.ceil === true && ctx.attrInt("ceil_mode", 0) === 1;
  const [h, kh, sh, dh, pt, pb] =
    sp === 2 ? [spatial[0], kernel[0], strides[0], dil[0], pads[0], pads[2]] : [1, 1, 1, 1, 0, 0];
  const [w, kw, sw, dw, pl, pr] =
    sp === 2
      ? [spatial[1], kernel[1], strides[1], dil[1], pads[1], pads[3]]
      : [spatial[0], kernel[0], strides[0], dil[0], pads[0], pads[1]];
  if ([kh, kw, sh, sw, dh, dw].some((v) => !(v >= 1)) || [pt, pb, pl, pr].some((v) => v < 0))
    ctx.unsupported("non-positive kernel / stride / dilation or negative padding");
  const oh = outputLength(h, kh, sh, pt, pb, dh, ceil);
  const ow = outputLength(w, kw, sw, pl, pr, dw, ceil);
  if (oh < 1 || ow < 1) ctx.unsupported(`the window does not fit the input ([${x.shape.join(", ")}])`);
  const win: Window2D = { n: x.shape[0], c: x.shape[1], h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw };
  return { win, pb, pr, outShape: (c) => (sp === 2 ? [win.n, c, oh, ow] : [win.n, c, ow]) };
}

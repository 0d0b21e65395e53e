// GlobalAveragePool / GlobalMaxPool: one window covering every spatial position.
import type { Window2D } from "../../model/float-graph.js";
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { emitAveragePool } from "./average-pool.js";

function globalWindow(ctx: NormalizeContext): {
  x: ReturnType<NormalizeContext["dynInput"]>;
  win: Window2D;
  shape: number[];
} {
  const x = ctx.dynInput(0);
  if (x.shape.length !== 3 && x.shape.length !== 4)
    ctx.unsupported(`only 1-D and 2-D inputs are supported, got shape [${x.shape.join(", ")}]`);
  const [n, c] = x.shape;
  const h = x.shape.length === 4 ? x.shape[2] : 1;
  const w = x.shape[x.shape.length - 1];
  const win: Window2D = { n, c, h, w, kh: h, kw: w, oh: 1, ow: 1, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1 };
  return { x, win, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) };
}

export function globalAveragePool(ctx: NormalizeContext): void {
  const { x, win, shape } = globalWindow(ctx);
  emitAveragePool(ctx, x, win, shape, Float64Array.of(win.h * win.w));
}

export function globalMaxPool(ctx: NormalizeContext): void {
  const { x, win, shape } = globalWindow(ctx);
  const out = ctx.dynOutput(0, shape);
  ctx.emit({ kind: "maxpool", inputs: [x.name], output: out.name, size: numel(shape), win, nodes: [ctx.node.name] });
}

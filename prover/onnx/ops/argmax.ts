// ArgMax over the last axis, only at the graph output (first maximum, select_last_index = 0).
import type { NormalizeContext } from "../context.js";
import { markHead } from "./head.js";

export function argmax(ctx: NormalizeContext): void {
  if (ctx.attrInt("select_last_index", 0) !== 0) ctx.unsupported("select_last_index=1 is not supported");
  markHead(ctx, "argmax", 0);
}

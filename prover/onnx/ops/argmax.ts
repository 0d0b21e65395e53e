// ArgMax along any axis, only at the graph output (keepdims and select_last_index supported).
import type { NormalizeContext } from "../context.js";
import { markHead } from "./head.js";

export function argmax(ctx: NormalizeContext): void {
  markHead(ctx, "argmax", 0);
}

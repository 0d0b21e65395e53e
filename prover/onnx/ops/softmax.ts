// Softmax over the last axis, only at the graph output. It is monotone, so the circuit proves
// the logits (and the label); probabilities are computed from the proven logits off-circuit.
import type { NormalizeContext } from "../context.js";
import { markHead } from "./head.js";

export function softmax(ctx: NormalizeContext): void {
  // Before opset 13 the default axis is 1 (which is the last axis of a [1, N] tensor).
  markHead(ctx, "softmax", ctx.opset < 13 ? 1 : -1);
}

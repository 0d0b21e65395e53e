// Softmax, only at the graph output. It is monotone along its axis, so the circuit proves the
// values (and labels); probabilities are computed from the proven values off-circuit.
import type { NormalizeContext } from "../context.js";
import { markHead } from "./head.js";

export function softmax(ctx: NormalizeContext): void {
  // Before opset 13 the default axis is 1.
  markHead(ctx, "softmax", ctx.opset < 13 ? 1 : -1);
}

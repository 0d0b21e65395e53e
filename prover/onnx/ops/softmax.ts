// Softmax. Read only by ArgMax (or by nothing: the graph output), it is the output head: monotone
// along its axis, so the circuit proves the values (and labels) and probabilities are computed
// from the proven values off-circuit. Anywhere else (attention's weights) it is a softmax op over
// the last axis, proven in the circuit (prover/kinds/softmax.ts).
import { normalizeAxis } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";
import { markHead } from "./head.js";

export function softmax(ctx: NormalizeContext): void {
  // Before opset 13 the default axis is 1.
  const dflt = ctx.opset < 13 ? 1 : -1;
  const readers = ctx.readersOf(ctx.node.outputs[0]);
  if (readers.every((r) => r.opType === "ArgMax")) return markHead(ctx, "softmax", dflt);
  const x = ctx.dynInput(0);
  const rank = x.shape.length;
  const axis = normalizeAxis(ctx.attrInt("axis", dflt), rank);
  if (axis === undefined) ctx.unsupported(`axis ${ctx.attrInt("axis", dflt)} out of range for rank ${rank}`);
  // Before opset 13 Softmax works on the input coerced to 2-D at `axis`: rows of the trailing dims.
  if (ctx.opset >= 13 && axis !== rank - 1)
    ctx.unsupported(`Softmax inside the network along axis ${axis} (only the last axis, ${rank - 1}, is supported)`);
  const n = numel(x.shape.slice(axis));
  const size = numel(x.shape);
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({ kind: "softmax", inputs: [x.name], output: out.name, size, rows: size / n, n, nodes: [ctx.node.name] });
}

// Shared handling of operators allowed only at the graph output (Softmax, ArgMax). The value
// keeps pointing at the tensor before them; the head records what follows it and along which
// axis. Softmax is monotone along its axis, so the circuit proves the values (and labels) and
// probabilities are computed from the proven values off-circuit.
import type { HeadSpec, OutputHead } from "../../model/float-graph.js";
import { normalizeAxis } from "../broadcast.js";
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

export function markHead(ctx: NormalizeContext, head: Exclude<OutputHead, "none">, defaultAxis: number): void {
  const x = ctx.dynInput(0);
  let valueShape = x.head ? x.valueShape! : x.shape;
  const given = ctx.attrInt("axis", defaultAxis);
  let axis = normalizeAxis(given, valueShape.length);
  if (axis === undefined) ctx.unsupported(`axis ${given} out of range for rank ${valueShape.length}`);
  if (head === "softmax" && ctx.opset < 13 && axis !== valueShape.length - 1) {
    // Before opset 13, Softmax works on the input coerced to 2-D at `axis`.
    valueShape = [numel(valueShape.slice(0, axis)), numel(valueShape.slice(axis))];
    axis = 1;
  }
  if (x.head === "softmax" && (head !== "argmax" || axis !== x.headSpec!.axis))
    ctx.unsupported("only ArgMax along the same axis may follow Softmax");
  const keepdims = head === "argmax" ? ctx.attrInt("keepdims", 1) === 1 : true;
  const selectLastIndex = head === "argmax" && ctx.attrInt("select_last_index", 0) === 1;
  const shape = head === "argmax" ? valueShape.flatMap((d, i) => (i !== axis ? [d] : keepdims ? [1] : [])) : valueShape;
  const headSpec: HeadSpec = { axis, keepdims, selectLastIndex };
  ctx.define(0, {
    kind: "dyn",
    name: x.name,
    shape,
    head: x.head === "softmax" && head === "argmax" ? "argmax" : head,
    headSpec,
    valueShape,
  });
}

// Shared handling of operators allowed only at the graph output (Softmax, ArgMax over the
// last axis). The value keeps pointing at the logits; the head records what follows them.
import type { OutputHead } from "../../model/float-graph.js";
import type { NormalizeContext } from "../context.js";

export function markHead(ctx: NormalizeContext, head: Exclude<OutputHead, "none">, defaultAxis: number): void {
  const x = ctx.dynInput(0);
  const rank = x.shape.length;
  const given = ctx.attrInt("axis", defaultAxis);
  const axis = given < 0 ? given + rank : given;
  if (axis !== rank - 1) ctx.unsupported(`supported only over the last axis (axis ${given} of rank ${rank})`);
  const keep = head === "argmax" ? ctx.attrInt("keepdims", 1) : 1;
  const shape = head === "argmax" ? (keep ? [...x.shape.slice(0, -1), 1] : x.shape.slice(0, -1)) : x.shape;
  ctx.define(0, { kind: "dyn", name: x.name, shape, head: x.head === "softmax" && head === "argmax" ? "argmax" : head });
}

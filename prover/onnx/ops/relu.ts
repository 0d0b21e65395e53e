// Relu: max(0, x) elementwise. Fused with the preceding rescale in the circuit.
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

export function relu(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({ kind: "relu", inputs: [x.name], output: out.name, size: numel(x.shape), nodes: [ctx.node.name] });
}

// Add of a constant to the output of a dense op (MatMul + Add as exported by many tools):
// the constant folds into the dense bias, so it costs nothing.
import { numel } from "../tensor.js";
import type { NormalizeContext } from "../context.js";

export function add(ctx: NormalizeContext): void {
  const [x, y] = [ctx.input(0), ctx.input(1)];
  const dyn = x?.kind === "dyn" ? x : y?.kind === "dyn" ? y : undefined;
  const cst = x?.kind === "const" ? x : y?.kind === "const" ? y : undefined;
  if (!dyn || !cst) ctx.unsupported("only activation + constant is supported");
  const prev = ctx.lastOpProducing(dyn.name);
  if (!prev || prev.kind !== "dense" || ctx.consumers(dyn.name) !== 1 || ctx.isGraphOutput(dyn.name)) {
    ctx.unsupported("a constant Add is supported only right after MatMul/Gemm, as its bias");
  }
  const n = prev.outFeatures;
  const c = cst.tensor;
  if (numel(c.dims) !== 1 && numel(c.dims) !== n) {
    ctx.unsupported(`bias of shape [${c.dims.join(", ")}] does not broadcast to [1, ${n}]`);
  }
  for (let j = 0; j < n; j++) prev.bias[j] += c.data[c.data.length === 1 ? 0 : j];
  prev.nodes.push(ctx.node.name);
  prev.output = ctx.node.outputs[0];
  ctx.define(0, { kind: "dyn", name: prev.output, shape: dyn.shape });
}

// Pow by a constant integer exponent 1..4 (the cube in GELU's tanh form, squares): a chain of
// product ops, exact on integers. Other exponents fail with the node.
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

const MAX_EXPONENT = 4;

export function pow(ctx: NormalizeContext): void {
  const base = ctx.input(0);
  const e = ctx.constInput(1, "the exponent");
  if (e.data.length !== 1) ctx.unsupported("an exponent tensor (only a scalar)");
  const p = Number(e.data[0]);
  if (base?.kind === "const") {
    const data = Float64Array.from(base.tensor.data, (v) => v ** p);
    return ctx.define(0, { kind: "const", tensor: { dims: base.tensor.dims, data } });
  }
  if (!Number.isInteger(p) || p < 1 || p > MAX_EXPONENT)
    ctx.unsupported(`exponent ${p} (only the integers 1 to ${MAX_EXPONENT}, as products)`);
  const x = ctx.dynInput(0);
  const size = numel(x.shape);
  let acc = x.name;
  for (let k = 2; k <= p; k++) {
    const output = k === p ? ctx.node.outputs[0] : `${ctx.node.outputs[0]}/pow${k}`;
    ctx.emit({ kind: "product", inputs: [acc, x.name], output, size, src: [null, null], nodes: [ctx.node.name] });
    acc = output;
  }
  ctx.define(0, { kind: "dyn", name: acc, shape: x.shape });
}

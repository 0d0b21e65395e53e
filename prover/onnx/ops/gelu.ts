// GELU in the Erf form PyTorch exports, x * (1 + erf(x / sqrt(2))) * 0.5:
//
//   a = Div(x, sqrt(2))   b = Erf(a)   c = Add(b, 1)   d = Mul(x, c)   y = Mul(d, 0.5)
//
// fused into y = x * phi(x), phi the standard normal CDF (= (1 + erf(x / sqrt 2)) / 2), one
// piecewise-linear approximation and one product: the Div, Add and the last Mul would otherwise be
// three affine layers with their own rescales.
import type { NormalizeContext } from "../context.js";
import type { OnnxNode } from "../load-model.js";
import { numel } from "../tensor.js";

/** The other input of a two-input node, given one of them. */
const other = (n: OnnxNode, name: string) => (n.inputs[0] === name ? n.inputs[1] : n.inputs[0]);

/** At a Div: when it starts the pattern above, emits phi and the product and returns true. */
export function fuseGelu(ctx: NormalizeContext): boolean {
  const x = ctx.input(0);
  const c = ctx.constScalar(ctx.node.inputs[1]);
  if (!x || x.kind !== "dyn" || x.head || c === undefined || Math.abs(c - Math.SQRT2) > 1e-6) return false;
  const erf = ctx.soleReader(ctx.node.outputs[0], "Erf");
  const add = erf && ctx.soleReader(erf.outputs[0], "Add");
  if (!erf || !add || ctx.constScalar(other(add, erf.outputs[0])) !== 1) return false;
  const mul = ctx.soleReader(add.outputs[0], "Mul");
  if (!mul || other(mul, add.outputs[0]) !== ctx.node.inputs[0]) return false;
  const half = ctx.soleReader(mul.outputs[0], "Mul");
  if (!half || ctx.constScalar(other(half, mul.outputs[0])) !== 0.5) return false;
  const pattern = [erf, add, mul, half];
  ctx.absorb(pattern);
  const size = numel(x.shape);
  const nodes = [ctx.node.name, ...pattern.map((n) => n.name)];
  const phi = `${ctx.node.outputs[0]}/phi`;
  const y = half.outputs[0];
  ctx.emit({ kind: "phi", inputs: [x.name], output: phi, size, nodes });
  ctx.emit({ kind: "product", inputs: [x.name, phi], output: y, size, src: [null, null], nodes: [...nodes] });
  ctx.defineName(y, { kind: "dyn", name: y, shape: x.shape });
  return true;
}

// Sigmoid, Tanh and Erf: proven as piecewise-linear approximations with a stated error bound
// (see prover/quantize/pwl.ts).
import type { NormalizeContext } from "../context.js";
import { numel } from "../tensor.js";

export function sigmoid(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({ kind: "sigmoid", inputs: [x.name], output: out.name, size: numel(x.shape), nodes: [ctx.node.name] });
}

export function tanh(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({ kind: "tanh", inputs: [x.name], output: out.name, size: numel(x.shape), nodes: [ctx.node.name] });
}

export function erf(ctx: NormalizeContext): void {
  const x = ctx.dynInput(0);
  const out = ctx.dynOutput(0, x.shape);
  ctx.emit({ kind: "erf", inputs: [x.name], output: out.name, size: numel(x.shape), nodes: [ctx.node.name] });
}

// Div by a constant: Mul by its reciprocal (or the start of GELU's Erf form, fused: ./gelu.ts).
import type { NormalizeContext } from "../context.js";
import { binary } from "./binary.js";
import { fuseGelu } from "./gelu.js";

export function div(ctx: NormalizeContext): void {
  if (fuseGelu(ctx)) return;
  binary(ctx, "div");
}

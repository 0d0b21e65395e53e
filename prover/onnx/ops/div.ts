// Div by a constant: Mul by its reciprocal.
import type { NormalizeContext } from "../context.js";
import { binary } from "./binary.js";

export function div(ctx: NormalizeContext): void {
  binary(ctx, "div");
}

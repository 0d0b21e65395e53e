// Identity and Dropout (inference mode): the output is the input.
import type { NormalizeContext } from "../context.js";

export function identity(ctx: NormalizeContext): void {
  const v = ctx.input(0);
  if (!v) ctx.unsupported("missing input");
  ctx.define(0, v);
}

// Sub: activation - constant, constant - activation, or activation - activation (broadcasting).
import type { NormalizeContext } from "../context.js";
import { binary } from "./binary.js";

export function sub(ctx: NormalizeContext): void {
  binary(ctx, "sub");
}

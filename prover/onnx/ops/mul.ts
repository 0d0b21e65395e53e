// Mul by a constant (broadcasting): folded into a preceding Conv / Gemm when per channel,
// else an affine op.
import type { NormalizeContext } from "../context.js";
import { binary } from "./binary.js";

export function mul(ctx: NormalizeContext): void {
  binary(ctx, "mul");
}

// Add: activation + constant (folded into a preceding Conv / Gemm bias when possible) or
// activation + activation (a DAG join), with numpy broadcasting.
import type { NormalizeContext } from "../context.js";
import { binary } from "./binary.js";

export function add(ctx: NormalizeContext): void {
  binary(ctx, "add");
}

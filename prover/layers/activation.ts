// The per-element nonlinear step of a layer (integer evaluation). Mirrors prover/quantize/
// int-ops.ts (the templates' spec) on float64 integers.
import { IntRangeError } from "../quantize/int-ops.js";
import { evalPwl } from "../quantize/pwl.js";
import type { Activation } from "../quantize/quantized-model.js";

export function applyActivation(act: Activation, x: Float64Array, where: string): Float64Array {
  const y = new Float64Array(x.length);
  if (act.kind === "pwl") {
    const lim = 2 ** (act.pwl.n - 1);
    for (let i = 0; i < x.length; i++) {
      const v = x[i] * 2 ** act.pwl.pre;
      if (v < -lim || v >= lim) throw new IntRangeError(`${where} element ${i}`, BigInt(v), act.pwl.n, true);
      y[i] = evalPwl(act.pwl, x[i]);
    }
    return y;
  }
  const r = act.shift > 0 ? 2 ** (act.shift - 1) : 0;
  const div = 2 ** act.shift;
  const half = 2 ** (act.bits - 1);
  for (let i = 0; i < x.length; i++) {
    const q = Math.floor((x[i] + r) / div);
    // Cannot happen for inputs in range (static bounds); guards against a corrupted model file.
    if (q < -half || q >= half) throw new IntRangeError(`${where} element ${i}`, BigInt(q), act.bits, true);
    switch (act.kind) {
      case "rescale":
        y[i] = q;
        break;
      case "relu":
        y[i] = q > 0 ? q : 0;
        break;
      case "clip":
        y[i] = Math.min(act.hi ?? Infinity, Math.max(act.lo ?? -Infinity, q));
        break;
      case "leakyRelu":
        y[i] = q >= 0 ? q * 2 ** act.slopeShift : act.slope[act.slope.length === 1 ? 0 : i] * q;
        break;
    }
  }
  return y;
}

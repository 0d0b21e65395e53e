// The per-element nonlinear step after every layer's core, shared by all kinds: its integer
// evaluation (mirrors prover/quantize/int-ops.ts, the templates' spec, on float64 integers) and
// its circom: FloorShift / FloorShiftRelu (rescale.circom), FloorShiftClip / FloorShiftLeaky
// (activation.circom), PiecewiseLinear (pwl.circom). The rounding constant 2^(shift-1) is added to
// the (linear) input.
import { IntRangeError } from "../quantize/int-ops.js";
import { evalPwl } from "../quantize/pwl.js";
import type { Activation } from "../quantize/quantized-model.js";
import { constantFunction, type EmitContext } from "./emit-context.js";
import type { TemplateFile } from "./kind.js";

/** Template files the step instantiates (every generated circuit includes them). */
export const STEP_TEMPLATES: readonly TemplateFile[] = ["rescale.circom", "activation.circom", "pwl.circom"];

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

function template(act: Exclude<Activation, { kind: "pwl" }>, slope: string): string {
  switch (act.kind) {
    case "rescale":
      return `FloorShift(${act.shift}, ${act.bits})`;
    case "relu":
      return `FloorShiftRelu(${act.shift}, ${act.bits})`;
    case "clip": {
      const [hasLo, hasHi] = [act.lo === null ? 0 : 1, act.hi === null ? 0 : 1];
      return `FloorShiftClip(${act.shift}, ${act.bits}, ${hasLo}, ${act.lo ?? 0}, ${hasHi}, ${act.hi ?? 0})`;
    }
    case "leakyRelu":
      return `FloorShiftLeaky(${act.shift}, ${act.bits}, ${slope}, ${act.slopeShift})`;
  }
}

/** Declares h<k>[n] = act(values[j]) for every element. */
export function emitActivation(act: Activation, k: number, n: number, values: string, ctx: EmitContext): void {
  if (act.kind === "pwl") {
    const p = act.pwl;
    const a = constantFunction(ctx, `PA${k}`, p.a);
    const b = constantFunction(ctx, `PB${k}`, p.b);
    ctx.body.push(
      `  // ${p.fn} as ${2 ** p.k} linear pieces`,
      `  signal h${k}[${n}];`,
      `  component act${k}[${n}];`,
      `  for (var j = 0; j < ${n}; j++) {`,
      `    act${k}[j] = PiecewiseLinear(${p.n}, ${p.m}, ${p.k}, ${p.d}, ${a}, ${b}, ${p.yLo}, ${p.yHi});`,
      `    act${k}[j].in <== ${values}[j] * ${2 ** p.pre};`,
      `    h${k}[j] <== act${k}[j].out;`,
      `  }`,
    );
    return;
  }
  let slope = "0";
  if (act.kind === "leakyRelu") {
    if (act.slope.length === 1) slope = String(act.slope[0]);
    else {
      ctx.body.push(`  var slope${k}[${n}] = ${constantFunction(ctx, `SLOPE${k}`, act.slope)};`);
      slope = `slope${k}[j]`;
    }
  }
  const round = act.shift > 0 ? ` + ${2 ** (act.shift - 1)}` : "";
  ctx.body.push(
    `  // ${act.kind}: floor((x${round}) / 2^${act.shift}), ${act.bits}-bit quotient`,
    `  signal h${k}[${n}];`,
    `  component act${k}[${n}];`,
    `  for (var j = 0; j < ${n}; j++) {`,
    `    act${k}[j] = ${template(act, slope)};`,
    `    act${k}[j].in <== ${values}[j]${round};`,
    `    h${k}[j] <== act${k}[j].out;`,
    `  }`,
  );
}

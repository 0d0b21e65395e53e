// Add / Sub of two activations: y[i] = sum_t coef[t] * x_t[src_t[i]]. Both inputs are brought to
// the finer of their scales by an exact left shift (a constant factor, carried in the
// coefficients: free in the circuit), then added; linear in the circuit (no template).
import { checkSafe } from "../quantize/core.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

function addApply(
  coef: readonly number[],
  src: readonly (ArrayLike<number> | null)[],
  xs: Float64Array[],
  size: number,
) {
  const y = new Float64Array(size);
  xs.forEach((x, t) => {
    const s = src[t];
    const c = coef[t];
    for (let i = 0; i < size; i++) y[i] += c * x[s ? s[i] : i];
  });
  return y;
}

export const add: Kind<"add", "add"> = {
  floatKinds: ["add"],
  layerKind: "add",
  templates: [],
  readsRaw: true,
  evalFloat: (op, xs) => addApply(op.coef, op.src, xs, op.size),
  evalInt: (layer, xs, size) => addApply(layer.coef, layer.src, xs, size),

  quantize(op, xs, ctx) {
    const frac = Math.max(...xs.map((x) => x.frac));
    const coef = xs.map((x, t) => op.coef[t] * 2 ** (frac - x.frac));
    const lo = new Float64Array(op.size);
    const hi = new Float64Array(op.size);
    xs.forEach((x, t) => {
      const src = op.src[t];
      const c = coef[t];
      for (let i = 0; i < op.size; i++) {
        const s = src ? src[i] : i;
        lo[i] += Math.min(c * x.lo[s], c * x.hi[s]);
        hi[i] += Math.max(c * x.lo[s], c * x.hi[s]);
      }
    });
    const err = xs.reduce((e, x, t) => e + Math.abs(op.coef[t]) * x.err, 0);
    const range = { frac, lo, hi, err };
    checkSafe(range, ctx.where);
    return { params: { kind: "add", coef, src: op.src.map((s) => (s ? Array.from(s) : null)) }, range, cost: 0 };
  },

  emit(layer, k, inputs, ctx) {
    const n = layer.outMin.length;
    const terms: string[] = [];
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: add (coefficients ${layer.coef.join(", ")})`,
      `  signal c${k}[${n}];`,
    );
    inputs.forEach((name, t) => {
      const src = layer.src[t];
      if (src) ctx.body.push(`  var src${k}_${t}[${n}] = ${constantFunction(ctx, `SRC${k}_${t}`, src)};`);
      terms.push(`${layer.coef[t]} * ${name}[${src ? `src${k}_${t}[i]` : "i"}]`);
    });
    ctx.body.push(`  for (var i = 0; i < ${n}; i++) c${k}[i] <== ${terms.join(" + ")};`);
    return { values: `c${k}` };
  },
};

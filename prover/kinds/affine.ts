// Affine with constants (Mul / Add / Sub / Div by constants, BatchNormalization that could not be
// folded): y[i] = mul[i] * x[src[i]] + add[i], src the broadcast map (null: same shape). Each
// multiplier keeps weightBits significant bits of its own (a Scaler's 1/std spans many powers of
// two across features): it is rounded at its own power-of-two scale, then written exactly at the
// common finest scale mulFrac (at most MAX_SPREAD bits finer than the coarsest), with add at the
// product's scale. Linear in the circuit: constant tables, no template, so wider integer
// multipliers cost no constraints.
import { checkSafe } from "../quantize/core.js";
import { fracFor } from "../quantize/value-range.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

interface AffineParams {
  mul: ArrayLike<number>;
  add: ArrayLike<number>;
  src: ArrayLike<number> | null;
}

/** How many bits finer than the coarsest multiplier's scale the common scale may be. */
export const MAX_SPREAD = 16;

/** Multipliers with weightBits significant bits each, as integers at one common scale 2^frac. */
export function quantizeMultipliers(mul: ArrayLike<number>, bits: number): { q: number[]; frac: number } {
  const limit = 2 ** (bits - 1) - 1;
  const own = Array.from(mul, (m) => (m === 0 ? undefined : fracFor(Math.abs(m), limit)));
  const known = own.filter((f): f is number => f !== undefined);
  if (known.length === 0) return { q: Array.from(mul, () => 0), frac: 0 };
  const coarsest = Math.min(...known);
  const frac = Math.min(Math.max(...known), coarsest + MAX_SPREAD);
  const q = Array.from(mul, (m, i) => {
    const f = Math.min(own[i] ?? frac, frac);
    return Math.round(m * 2 ** f) * 2 ** (frac - f);
  });
  return { q, frac };
}

function affineApply({ mul, add, src }: AffineParams, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(mul.length);
  for (let i = 0; i < y.length; i++) y[i] = mul[i] * x[src ? src[i] : i] + add[i];
  return y;
}

export const affine: Kind<"affine", "affine"> = {
  floatKinds: ["affine"],
  layerKind: "affine",
  templates: [],
  readsRaw: false,
  evalFloat: (op, [x]) => affineApply(op, x),
  evalInt: (layer, [x]) => affineApply(layer, x),

  quantize(op, [x], ctx) {
    const { q: mul, frac: mulFrac } = quantizeMultipliers(op.mul, ctx.config.weightBits);
    const frac = x.frac + mulFrac;
    const add = Array.from(op.add, (a) => Math.round(a * 2 ** frac));
    const lo = new Float64Array(op.size);
    const hi = new Float64Array(op.size);
    let err = 0;
    for (let i = 0; i < op.size; i++) {
      const s = op.src ? op.src[i] : i;
      const a = mul[i] * x.lo[s];
      const b = mul[i] * x.hi[s];
      lo[i] = Math.min(a, b) + add[i];
      hi[i] = Math.max(a, b) + add[i];
      const xmax = Math.max(Math.abs(x.lo[s]), Math.abs(x.hi[s])) * 2 ** -x.frac;
      const e =
        Math.abs(op.mul[i]) * x.err +
        Math.abs(op.mul[i] - mul[i] * 2 ** -mulFrac) * xmax +
        Math.abs(op.add[i] - add[i] * 2 ** -frac);
      err = Math.max(err, e);
    }
    const range = { frac, lo, hi, err };
    checkSafe(range, ctx.where);
    return { params: { kind: "affine", mul, add, src: op.src ? Array.from(op.src) : null, mulFrac }, range, cost: 0 };
  },

  emit(layer, k, [input], ctx) {
    const n = layer.mul.length;
    const mul = constantFunction(ctx, `MUL${k}`, layer.mul);
    const add = constantFunction(ctx, `ADD${k}`, layer.add);
    const src = layer.src ? constantFunction(ctx, `SRC${k}`, layer.src) : undefined;
    const at = src ? `src${k}[i]` : "i";
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: elementwise affine (multiplier scale 2^${layer.mulFrac})`,
      `  signal c${k}[${n}];`,
      `  var mul${k}[${n}] = ${mul};`,
      `  var add${k}[${n}] = ${add};`,
      ...(src ? [`  var src${k}[${n}] = ${src};`] : []),
      `  for (var i = 0; i < ${n}; i++) c${k}[i] <== mul${k}[i] * ${input}[${at}] + add${k}[i];`,
    );
    return { values: `c${k}` };
  },
};

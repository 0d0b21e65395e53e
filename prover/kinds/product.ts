// The elementwise product of two activations (Mul of two tensors, the gates of recurrent cells):
// y[i] = a[srcA[i]] * b[srcB[i]], src the broadcast maps (null: the output's shape). On integers
// the product is exact at the sum of the scales (no rounding; a rescale follows where a reader
// needs one); one constraint per element in the circuit (no template).
import { checkSafe, productBounds } from "../quantize/core.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

function productApply(src: readonly (ArrayLike<number> | null)[], [a, b]: Float64Array[], size: number) {
  const [sa, sb] = src;
  const y = new Float64Array(size);
  for (let i = 0; i < size; i++) y[i] = a[sa ? sa[i] : i] * b[sb ? sb[i] : i];
  return y;
}

export const product: Kind<"product", "product"> = {
  floatKinds: ["product"],
  layerKind: "product",
  templates: [],
  readsRaw: false,
  evalFloat: (op, xs) => productApply(op.src, xs, op.size),
  evalInt: (layer, xs, size) => productApply(layer.src, xs, size),

  quantize(op, [a, b], ctx) {
    const [sa, sb] = op.src;
    const lo = new Float64Array(op.size);
    const hi = new Float64Array(op.size);
    // |a b - a_q b_q| <= e_a (|b_q| + e_b) + |a_q| e_b, in real units.
    let err = 0;
    for (let i = 0; i < op.size; i++) {
      const [ia, ib] = [sa ? sa[i] : i, sb ? sb[i] : i];
      [lo[i], hi[i]] = productBounds(a.lo[ia], a.hi[ia], b.lo[ib], b.hi[ib]);
      const ma = Math.max(Math.abs(a.lo[ia]), Math.abs(a.hi[ia])) * 2 ** -a.frac;
      const mb = Math.max(Math.abs(b.lo[ib]), Math.abs(b.hi[ib])) * 2 ** -b.frac;
      err = Math.max(err, a.err * (mb + b.err) + ma * b.err);
    }
    const range = { frac: a.frac + b.frac, lo, hi, err };
    checkSafe(range, ctx.where);
    return { params: { kind: "product", src: op.src.map((s) => (s ? Array.from(s) : null)) }, range, cost: op.size };
  },

  emit(layer, k, inputs, ctx) {
    const n = layer.outMin.length;
    ctx.body.push(`  // layer ${k}: ${layer.nodes.join(" + ")}: elementwise product`, `  signal c${k}[${n}];`);
    const at = inputs.map((name, t) => {
      const src = layer.src[t];
      if (!src) return `${name}[i]`;
      ctx.body.push(`  var src${k}_${t}[${n}] = ${constantFunction(ctx, `SRC${k}_${t}`, src)};`);
      return `${name}[src${k}_${t}[i]]`;
    });
    ctx.body.push(`  for (var i = 0; i < ${n}; i++) c${k}[i] <== ${at[0]} * ${at[1]};`);
    return { values: `c${k}` };
  },
};

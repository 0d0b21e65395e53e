// MatMul of two activations (attention's Q K^T and A V): per batch, an m x k by k x n product of
// two tensors the circuit computes, times a constant scale folded in from a following scalar Mul
// (attention's 1/sqrt(d)). On integers the sum of products is exact at the sum of the operands'
// scales; the scale becomes an integer multiplier mult / 2^multFrac. In the circuit: one product
// constraint per term (no template).
import type { MatMulOp } from "../model/float-graph.js";
import { checkSafe, productBounds, quantizeWeights } from "../quantize/core.js";
import type { MatMulLayer } from "../quantize/quantized-model.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

type Shape = Pick<MatMulOp, "batch" | "m" | "k" | "n"> & {
  aOffset: ArrayLike<number>;
  bOffset: ArrayLike<number>;
};

/** y = mult * A B per batch (mult a real scale in float, an integer on integers). */
function matmulApply(s: Shape, a: ArrayLike<number>, b: ArrayLike<number>, mult: number): Float64Array {
  const y = new Float64Array(s.batch * s.m * s.n);
  for (let z = 0; z < s.batch; z++) {
    for (let i = 0; i < s.m; i++) {
      for (let j = 0; j < s.n; j++) {
        let acc = 0;
        for (let t = 0; t < s.k; t++) acc += a[s.aOffset[z] + i * s.k + t] * b[s.bOffset[z] + t * s.n + j];
        y[(z * s.m + i) * s.n + j] = acc * mult;
      }
    }
  }
  return y;
}

/** The integer multiplier of `scale`: exact for powers of two, else weightBits significant bits. */
function multiplier(scale: number, weightBits: number): { mult: number; multFrac: number } {
  const e = Math.log2(Math.abs(scale));
  if (Number.isInteger(e)) return { mult: Math.sign(scale), multFrac: -e };
  const { q, frac } = quantizeWeights([scale], weightBits);
  return { mult: q[0], multFrac: frac };
}

export const matmul: Kind<"matmul", "matmul"> = {
  floatKinds: ["matmul"],
  layerKind: "matmul",
  templates: [],
  readsRaw: false,
  evalFloat: (op, [a, b]) => matmulApply(op, a, b, op.scale),
  evalInt: (layer, [a, b]) => matmulApply(layer, a, b, layer.mult),

  quantize(op, [a, b], ctx) {
    const { mult, multFrac } = multiplier(op.scale, ctx.config.weightBits);
    const size = op.batch * op.m * op.n;
    const lo = new Float64Array(size);
    const hi = new Float64Array(size);
    // |sum a b - sum a_q b_q| <= sum_t e_a |b_q| + |a_q| e_b + e_a e_b (real units), then the
    // multiplier's rounding on |sum a_q b_q|.
    let err = 0;
    const [ua, ub] = [2 ** -a.frac, 2 ** -b.frac];
    for (let z = 0; z < op.batch; z++) {
      for (let i = 0; i < op.m; i++) {
        for (let j = 0; j < op.n; j++) {
          let [l, h, e, mag] = [0, 0, 0, 0];
          for (let t = 0; t < op.k; t++) {
            const ia = op.aOffset[z] + i * op.k + t;
            const ib = op.bOffset[z] + t * op.n + j;
            const [cl, ch] = productBounds(a.lo[ia], a.hi[ia], b.lo[ib], b.hi[ib]);
            [l, h] = [l + cl, h + ch];
            const ma = Math.max(Math.abs(a.lo[ia]), Math.abs(a.hi[ia])) * ua;
            const mb = Math.max(Math.abs(b.lo[ib]), Math.abs(b.hi[ib])) * ub;
            e += a.err * mb + ma * b.err + a.err * b.err;
            mag += ma * mb;
          }
          // Rows of A that are a Softmax's (>= 0, summing to at most rowSum.max) weigh B's values:
          // the sum lies within rowSum.max times B's extremes over the row's terms.
          if (a.rowSum?.n === op.k && op.aOffset[z] % op.k === 0) {
            let [bl, bh] = [0, 0];
            for (let t = 0; t < op.k; t++) {
              const ib = op.bOffset[z] + t * op.n + j;
              [bl, bh] = [Math.min(bl, b.lo[ib]), Math.max(bh, b.hi[ib])];
            }
            [l, h] = [Math.max(l, bl * a.rowSum.max), Math.min(h, bh * a.rowSum.max)];
          }
          const o = (z * op.m + i) * op.n + j;
          [lo[o], hi[o]] = mult >= 0 ? [l * mult, h * mult] : [h * mult, l * mult];
          err = Math.max(err, Math.abs(op.scale) * e + Math.abs(op.scale - mult * 2 ** -multFrac) * mag);
        }
      }
    }
    const range = { frac: a.frac + b.frac + multFrac, lo, hi, err };
    checkSafe(range, ctx.where);
    return {
      params: {
        kind: "matmul",
        batch: op.batch,
        m: op.m,
        k: op.k,
        n: op.n,
        aOffset: Array.from(op.aOffset),
        bOffset: Array.from(op.bOffset),
        mult,
        multFrac,
      },
      range,
      cost: size * op.k,
    };
  },

  emit(layer: MatMulLayer, k, [a, b], ctx) {
    const { batch, m, n } = layer;
    const size = batch * m * n;
    const aOff = constantFunction(ctx, `MMA${k}`, layer.aOffset);
    const bOff = constantFunction(ctx, `MMB${k}`, layer.bOffset);
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: ${batch} x (${m} x ${layer.k}) (${layer.k} x ${n}) x ${layer.mult}`,
      `  signal c${k}[${size}];`,
      `  signal mm${k}[${size}][${layer.k}];`,
      `  var mmA${k}[${batch}] = ${aOff};`,
      `  var mmB${k}[${batch}] = ${bOff};`,
      `  for (var z = 0; z < ${batch}; z++) {`,
      `    for (var i = 0; i < ${m}; i++) {`,
      `      for (var j = 0; j < ${n}; j++) {`,
      `        var o = (z * ${m} + i) * ${n} + j;`,
      `        var acc = 0;`,
      `        for (var t = 0; t < ${layer.k}; t++) {`,
      `          mm${k}[o][t] <== ${a}[mmA${k}[z] + i * ${layer.k} + t] * ${b}[mmB${k}[z] + t * ${n} + j];`,
      `          acc += mm${k}[o][t];`,
      `        }`,
      `        c${k}[o] <== acc * ${layer.mult};`,
      `      }`,
      `    }`,
      `  }`,
    );
    return { values: `c${k}` };
  },
};

// LayerNormalization over rows of n elements (the last axis). Per row on integers x at scale 2^f
// (circuits/attention.circom: InvSqrt):
//
//   c_i = n x_i - sum_j x_j            n 2^f (x_i - mean): exact, linear
//   W   = sum_i c_i^2 + epsInt         n^3 2^2f (var + eps), epsInt = round(eps n^3 2^2f) >= 1; n products
//   r   = floor(2^R / sqrt(W))         one hint per row, pinned by r^2 W <= 2^2R < (r + 1)^2 W
//   y_i = c_i r G_i + B_i              G_i = round(gamma_i sqrt(n) 2^g), B_i = round(beta_i 2^(R+g)); one product
//
// so y_i / 2^(R+g) ~ gamma_i (x_i - mean) / sqrt(var + eps) + beta_i, since c_i sqrt(n) / sqrt(W)
// is exactly the normalized value. |c_i| <= sqrt(W) and r <= 2^R / sqrt(W) give |c_i r| <= 2^R
// whatever the input: the output's static bounds do not depend on the input's.
//
// Error bound (real units), per element:
//   (2 + sqrt(n)) / sqrt(eps) max|gamma| e_x  (the input error e_x through LayerNorm's Lipschitz
//                                               bound in the max norm, 1/sqrt(var + eps) <= 1/sqrt(eps))
//   + max|gamma| sqrt(n) sqrt(Wmax) 2^-R       (r's floor: |c| (2^R / sqrt(W) - r) <= sqrt(W))
//   + 2^-(g+1) + 2^-(R+g+1)                    (G and B rounding, |c r| 2^-R <= 1)
//   + max|gamma| sqrt(n) / (2 epsInt)          (epsInt's rounding: at most 1/2 of W >= epsInt,
//                                               changing the normalized value by at most sqrt(n)/(2 epsInt)).
// R is chosen so that the floor's term stays below 2^-PRECISION of the normalized range.
//
// Uncentred, the ai.onnx.ml Normalizer (a zero row stays zero, as onnxruntime leaves it):
//   L2  c_i = x_i, W = sum_i x_i^2 + epsInt (epsInt = max(1, round(eps 2^2f))), r as above
//   L1  c_i = x_i, a_i = |x_i| (FloorShiftLeaky with slope -1: the sign digit and one product),
//       W = sum_i a_i + epsInt (epsInt = max(1, round(eps 2^f))), r = floor(2^R / W) (Reciprocal)
// with G_i = round(gamma_i 2^g): c_i r G_i / 2^(R+g) ~ gamma_i x_i / ||x||. Every sqrt(n) above
// becomes 1 (and for L1 sqrt(Wmax) becomes Wmax). With eps = 0 the input error's amplification
// 1/||x|| has no bound; the output's does: the float and the integer normalized values both lie
// in [-1, 1], so the first term is at most 2 max|gamma| (for LayerNorm likewise 2 sqrt(n)
// max|gamma|, whichever is smaller).
import type { LayerNormOp } from "../model/float-graph.js";
import { QuantizationError } from "../quantize/activation.js";
import { checkSafe, quantizeWeights } from "../quantize/core.js";
import type { LayerNormLayer } from "../quantize/quantized-model.js";
import { signedBits } from "../quantize/signed-bits.js";
import { maxOf, minOf } from "../quantize/value-range.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";
import { reciprocal } from "./softmax.js";

/** Bits of the normalized value's precision the reciprocal square root keeps (beyond sqrt(n) sqrt(Wmax)). */
const PRECISION = 10;

export function layerNormRows(
  op: Pick<LayerNormOp, "rows" | "n" | "eps" | "gamma" | "beta" | "norm">,
  x: Float64Array,
) {
  const { rows, n } = op;
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    if (op.norm) {
      let sq = 0;
      for (let i = 0; i < n; i++) sq += op.norm === "l1" ? Math.abs(x[r * n + i]) : x[r * n + i] ** 2;
      const d = op.norm === "l1" ? sq + op.eps : Math.sqrt(sq + op.eps);
      const inv = d > 0 ? 1 / d : 0;
      for (let i = 0; i < n; i++) y[r * n + i] = x[r * n + i] * inv * op.gamma[i] + op.beta[i];
      continue;
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[r * n + i];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[r * n + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / n + op.eps);
    for (let i = 0; i < n; i++) y[r * n + i] = (x[r * n + i] - mean) * inv * op.gamma[i] + op.beta[i];
  }
  return y;
}

/** floor(sqrt(v)) for a BigInt v >= 0 (Newton's method from above). */
export function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2));
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** floor(2^bits / sqrt(w)) for w >= 1: the largest r with r^2 w <= 2^(2 bits). */
export function invSqrt(bits: number, w: bigint): bigint {
  return isqrt((1n << BigInt(2 * bits)) / w);
}

function layerNormInt(layer: LayerNormLayer, x: Float64Array): Float64Array {
  const { rows, n } = layer;
  const y = new Float64Array(rows * n);
  const c = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[r * n + i];
    let w = BigInt(layer.epsInt);
    for (let i = 0; i < n; i++) {
      c[i] = layer.norm ? x[r * n + i] : n * x[r * n + i] - s;
      w += layer.norm === "l1" ? BigInt(Math.abs(c[i])) : BigInt(c[i]) * BigInt(c[i]);
    }
    const q = layer.norm === "l1" ? reciprocal(layer.rsqrtBits, Number(w)) : Number(invSqrt(layer.rsqrtBits, w));
    for (let i = 0; i < n; i++) y[r * n + i] = c[i] * q * layer.gamma[i] + layer.beta[i];
  }
  return y;
}

export const layerNorm: Kind<"layerNorm", "layerNorm"> = {
  floatKinds: ["layerNorm"],
  layerKind: "layerNorm",
  templates: ["attention.circom"],
  readsRaw: false,
  evalFloat: (op, [x]) => layerNormRows(op, x),
  evalInt: (layer, [x]) => layerNormInt(layer, x),

  quantize(op, [x], ctx) {
    const { rows, n } = op;
    const { norm } = op;
    // sqrt(n) in LayerNorm's scaling, 1 uncentred (see the header).
    const sn = norm ? 1 : Math.sqrt(n);
    const epsScale = norm === "l1" ? 2 ** x.frac : (norm ? 1 : n ** 3) * 2 ** (2 * x.frac);
    const epsInt = Math.max(1, Math.round(op.eps * epsScale));
    // Bound of W over every input: c_i in [(n-1) lo_i - sum_{j != i} hi_j, (n-1) hi_i - sum_{j != i} lo_j]
    // (uncentred: c_i = x_i in [lo_i, hi_i]).
    let wMax = 0;
    for (let r = 0; r < rows; r++) {
      let [sLo, sHi] = [0, 0];
      for (let i = 0; i < n; i++) [sLo, sHi] = [sLo + x.lo[r * n + i], sHi + x.hi[r * n + i]];
      let v = 0;
      for (let i = 0; i < n; i++) {
        const [l, h] = [x.lo[r * n + i], x.hi[r * n + i]];
        const cLo = norm ? l : n * l - (sHi - h) - l;
        const cHi = norm ? h : n * h - (sLo - l) - h;
        v += norm === "l1" ? Math.max(Math.abs(cLo), Math.abs(cHi)) : Math.max(cLo * cLo, cHi * cHi);
      }
      wMax = Math.max(wMax, v + epsInt);
    }
    const wBits = Math.ceil(Math.log2(wMax + 1));
    // sqrt(W) bounds |c| (L1: W itself).
    const cMax = norm === "l1" ? wMax : Math.sqrt(wMax);
    const rsqrtBits = Math.ceil(Math.log2(cMax * sn)) + PRECISION;
    const scaled = Array.from(op.gamma, (g) => g * sn);
    // |y| <= 2^R |G| + |B| must stay below 2^52: gamma gets the bits left beside R, weightBits at most.
    const gBits = Math.min(ctx.config.weightBits, 50 - rsqrtBits);
    if (gBits < 4)
      throw new QuantizationError(`${ctx.where}: LayerNormalization's 2^${rsqrtBits} leaves no bits for gamma`);
    const { q: gamma, frac: gFrac } = quantizeWeights(scaled, gBits);
    const frac = rsqrtBits + gFrac;
    const beta = Array.from(op.beta, (b) => Math.round(b * 2 ** frac));
    const absBits = signedBits(Math.min(0, minOf(x.lo)), Math.max(0, maxOf(x.hi)));
    if (2 * rsqrtBits + wBits + 3 > 250)
      throw new QuantizationError(`${ctx.where}: LayerNormalization needs ${2 * rsqrtBits + wBits + 3} bits`);
    const size = rows * n;
    const lo = new Float64Array(size);
    const hi = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const i = k % n;
      lo[k] = -(2 ** rsqrtBits) * Math.abs(gamma[i]) + beta[i];
      hi[k] = 2 ** rsqrtBits * Math.abs(gamma[i]) + beta[i];
    }
    const gMax = Math.max(...Array.from(op.gamma, Math.abs));
    // LayerNorm's Lipschitz bound needs its eps; a Normalizer has none (the cap holds).
    const lipschitz = !norm && op.eps > 0 ? ((2 + sn) / Math.sqrt(op.eps)) * gMax * x.err : Infinity;
    const err =
      Math.min(lipschitz, 2 * sn * gMax) +
      gMax * sn * cMax * 2 ** -rsqrtBits +
      2 ** -(gFrac + 1) +
      2 ** -(frac + 1) +
      (gMax * sn) / (2 * epsInt);
    const range = { frac, lo, hi, err };
    checkSafe(range, ctx.where);
    return {
      params: {
        kind: "layerNorm",
        rows,
        n,
        ...(norm ? { norm } : {}),
        ...(norm === "l1" ? { absBits } : {}),
        epsInt,
        wBits,
        rsqrtBits,
        gamma,
        beta,
        gFrac,
      },
      range,
      // Per element: the square (L1: |x|'s sign digits and product) and the product; per row the
      // reciprocal (square root).
      cost:
        norm === "l1"
          ? size * (absBits + 2) + rows * (rsqrtBits + 2 * wBits + 2)
          : 2 * size + rows * (3 * rsqrtBits + 2 * wBits + 10),
    };
  },

  emit(layer, k, [x], ctx) {
    const { rows, n } = layer;
    const xi = `${x}[r * ${n} + i]`;
    const c = layer.norm ? xi : `(${n} * ${xi} - s)`;
    const g = constantFunction(ctx, `LNG${k}`, layer.gamma);
    const b = constantFunction(ctx, `LNB${k}`, layer.beta);
    const what = layer.norm ? `${layer.norm.toUpperCase()} normalization` : "layer normalization";
    // Per element the row statistic's term: c^2, or (L1) |x| from its sign digit.
    const term =
      layer.norm === "l1"
        ? [
            `      lnabs${k}[r * ${n} + i] = FloorShiftLeaky(0, ${layer.absBits}, -1, 0);`,
            `      lnabs${k}[r * ${n} + i].in <== ${xi};`,
            `      w += lnabs${k}[r * ${n} + i].out;`,
          ]
        : [`      lnsq${k}[r * ${n} + i] <== ${c} * ${c};`, `      w += lnsq${k}[r * ${n} + i];`];
    const [template, port] = layer.norm === "l1" ? ["Reciprocal", "s"] : ["InvSqrt", "w"];
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: ${what} over ${rows} rows of ${n}`,
      `  signal c${k}[${rows * n}];`,
      layer.norm === "l1" ? `  component lnabs${k}[${rows * n}];` : `  signal lnsq${k}[${rows * n}];`,
      `  component lnr${k}[${rows}];`,
      `  var lnG${k}[${n}] = ${g};`,
      `  var lnB${k}[${n}] = ${b};`,
      `  for (var r = 0; r < ${rows}; r++) {`,
      ...(layer.norm ? [] : [`    var s = 0;`, `    for (var i = 0; i < ${n}; i++) s += ${xi};`]),
      `    var w = ${layer.epsInt};`,
      `    for (var i = 0; i < ${n}; i++) {`,
      ...term,
      `    }`,
      `    lnr${k}[r] = ${template}(${layer.rsqrtBits}, ${layer.wBits});`,
      `    lnr${k}[r].${port} <== w;`,
      `    for (var i = 0; i < ${n}; i++) {`,
      `      c${k}[r * ${n} + i] <== ${c} * lnr${k}[r].out * lnG${k}[i] + lnB${k}[i];`,
      `    }`,
      `  }`,
    );
    return { values: `c${k}` };
  },
};

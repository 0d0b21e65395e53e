// Softmax inside the network (attention's weights), over rows of n elements. Per row on integers
// x at scale 2^f (circuits/attention.circom: RowMax, ExpDigits, Reciprocal):
//
//   mx  = max_i x_i              a hint pinned by range checks of d_i = mx - x_i and a zero product
//   e_i = exp from d_i's digits  e^(-d_i / 2^f) = e^(-k) e^(-phi), k the integer part (a 16-entry
//                                table, 0 from 16 on), phi the fraction (8 secants, read from the
//                                digits RowMax already has: no second decomposition)
//   S   = sum_i e_i              >= e at the maximum (d = 0) >= 1, linear
//   q   = floor(2^recipBits / S) one hint per row, pinned by q S + r = 2^recipBits, 0 <= r < S
//   y_i = e_i q                  ~ softmax(x)_i 2^recipBits, one product per element
//
// The scores arrive raw (readsRaw: the MatMul's accumulators at their own scale, no rescale):
// RowMax's range checks of d_i would repeat a rescale's digits, and ExpDigits reads the digits
// it needs at any scale f (the ones below its segment offsets are dropped, within epsF).
// Softmax is shift-invariant, so subtracting the quantized maximum loses nothing, and
// scale-invariant, so e may sit at any common scale. Error bound (real units, against the float
// softmax of the float input):
//   1/2 e_x            (input error e_x: each row of softmax's Jacobian sums to 2 p_i (1 - p_i) <= 1/2)
//   + (2 r + (1 + n) eI) / (1 - r - n eI)
//                      (the exponential, below: with e_j = e^(-d_j), S = sum e_j >= 1, e'_j the
//                       approximation and S' their sum, |e'_j - e_j| <= r e_j + eI, so
//                       |S' - S| <= r S + n eI and |e'_i / S' - e_i / S| <= (2 r p_i S + eI (1 + n p_i)) / S')
//   + 2^-RECIP_PRECISION  (q's floor: e_i (2^K / S - q) / 2^K <= e_i / 2^K <= S / 2^K).
// The exponential e^(-k) e^(-phi): the fraction's error epsF is its secant moved by half its error
// (e^(-phi) h^2 / 16 <= h^2 / 16, h = 1/8), the dropped digits' truncation (slope <= 1, at most
// h 2^-W - 2^-f) and the rounding of ea (2^-(eFrac+1)) and eb ((2^W - 1) / 2 2^-eFrac); times
// e^(-k) <= e e_j it is relative: r = e epsF. ei's rounding adds eI = 2^-(eiFrac+1) (1 + epsF),
// and from d >= 16 2^f on the output is 0 against e_j <= e^(-16) (eI covers it).
import type { SoftmaxOp } from "../model/float-graph.js";
import { QuantizationError } from "../quantize/activation.js";
import { checkSafe } from "../quantize/core.js";
import type { SoftmaxLayer } from "../quantize/quantized-model.js";
import { signedBits } from "../quantize/signed-bits.js";
import { maxOf, minOf } from "../quantize/value-range.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

/** Bits of q's precision beyond the row sum: q >= 2^RECIP_PRECISION. */
const RECIP_PRECISION = 10;
/** Offset digits kept inside a segment at most (h 2^-6 = 1/512). */
const MAX_OFFSET_DIGITS = 6;
/** Scales of the integer-part table and of the fraction's secants. */
const EI_FRAC = 8;
const E_FRAC = 14;
/** Fraction segments: 2^3 of width h = 1/8. */
const SEGMENT_DIGITS = 3;

export function softmaxRows(rows: number, n: number, x: Float64Array): Float64Array {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[r * n + i]);
    let s = 0;
    for (let i = 0; i < n; i++) s += y[r * n + i] = Math.exp(x[r * n + i] - m);
    for (let i = 0; i < n; i++) y[r * n + i] /= s;
  }
  return y;
}

/** floor(2^bits / s) for an integer s >= 1 (exact: BigInt). */
export function reciprocal(bits: number, s: number): number {
  return Number((1n << BigInt(bits)) / BigInt(s));
}

type ExpParams = Pick<SoftmaxLayer, "frac" | "expW" | "ei" | "ea" | "eb">;

/** ExpDigits' integer function (circuits/attention.circom) of d >= 0. */
export function expDigits(p: ExpParams, d: number): number {
  const unit = 2 ** p.frac;
  if (d >= 16 * unit) return 0;
  const k = Math.floor(d / unit);
  const rem = d - k * unit;
  const segWidth = 2 ** (p.frac - SEGMENT_DIGITS);
  const s = Math.floor(rem / segWidth);
  const drop = p.frac - SEGMENT_DIGITS - p.expW;
  const o = Math.floor((rem - s * segWidth) / 2 ** drop);
  return p.ei[k] * (p.ea[s] - p.eb[s] * o);
}

/** The tables: e^-k at scale 2^EI_FRAC; per segment the secant of e^-phi, moved down by half its error. */
function expTables(frac: number, w: number): { ei: number[]; ea: number[]; eb: number[]; rel: number; abs: number } {
  const h = 2 ** -SEGMENT_DIGITS;
  const ei = Array.from({ length: 16 }, (_, k) => Math.round(Math.exp(-k) * 2 ** EI_FRAC));
  const ea: number[] = [];
  const eb: number[] = [];
  let aErr = 0;
  let bErr = 0;
  for (let s = 0; s < 2 ** SEGMENT_DIGITS; s++) {
    const [g0, g1] = [Math.exp(-s * h), Math.exp(-(s + 1) * h)];
    const moved = g0 - (h * h * g0) / 16;
    ea.push(Math.round(moved * 2 ** E_FRAC));
    // Per offset step (h 2^-W) the secant falls by (g0 - g1) 2^-W.
    eb.push(Math.round((g0 - g1) * 2 ** (E_FRAC - w)));
    aErr = Math.max(aErr, Math.abs(ea[s] * 2 ** -E_FRAC - moved));
    bErr = Math.max(bErr, Math.abs(eb[s] * 2 ** -E_FRAC - (g0 - g1) * 2 ** -w) * (2 ** w - 1));
  }
  // Dropped digits: phi is truncated by at most (2^D - 1) 2^-f = h 2^-W - 2^-f (0 when none are).
  const epsF = (h * h) / 16 + (h * 2 ** -w - 2 ** -frac) + aErr + bErr;
  let eiErr = 0;
  ei.forEach((v, k) => (eiErr = Math.max(eiErr, Math.abs(v * 2 ** -EI_FRAC - Math.exp(-k)))));
  return { ei, ea, eb, rel: Math.E * epsF, abs: Math.max(eiErr * (1 + epsF), Math.exp(-16)) };
}

function softmaxInt(layer: SoftmaxLayer, x: Float64Array): Float64Array {
  const { rows, n } = layer;
  const y = new Float64Array(rows * n);
  const e = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[r * n + i]);
    let s = 0;
    for (let i = 0; i < n; i++) s += e[i] = expDigits(layer, m - x[r * n + i]);
    const q = reciprocal(layer.recipBits, s);
    for (let i = 0; i < n; i++) y[r * n + i] = e[i] * q;
  }
  return y;
}

export const softmax: Kind<"softmax", "softmax"> = {
  floatKinds: ["softmax"],
  layerKind: "softmax",
  templates: ["attention.circom"],
  readsRaw: true,
  evalFloat: (op: SoftmaxOp, [x]) => softmaxRows(op.rows, op.n, x),
  evalInt: (layer, [x]) => softmaxInt(layer, x),

  quantize(op, [x], ctx) {
    const { rows, n } = op;
    const frac = x.frac;
    if (frac < SEGMENT_DIGITS)
      throw new QuantizationError(`${ctx.where}: Softmax input scale 2^${frac} is too coarse (needs >= 2^3)`);
    const [lo, hi] = [minOf(x.lo), maxOf(x.hi)];
    // d = mx - x_i < 2^maxBits; at least the digits ExpDigits reads (one above its 16 2^f).
    const maxBits = Math.max(signedBits(lo, hi), frac + 5);
    const expW = Math.min(frac - SEGMENT_DIGITS, MAX_OFFSET_DIGITS);
    const { ei, ea, eb, rel, abs } = expTables(frac, expW);
    const eMax = ei[0] * ea[0];
    const eMin = Math.min(...ei.flatMap((v) => ea.map((a, s) => v * (a - eb[s] * (2 ** expW - 1)))));
    // Every e_i >= 0 keeps S >= e(0) >= 1 (the Reciprocal's domain).
    if (eMin < 0) throw new QuantizationError(`${ctx.where}: the exponential's tables go below 0`);
    const sumBits = Math.ceil(Math.log2(n * eMax + 1));
    const recipBits = sumBits + RECIP_PRECISION;
    if (recipBits >= 52) throw new QuantizationError(`${ctx.where}: Softmax's products exceed 2^52`);
    const size = rows * n;
    if (rel + n * abs >= 0.5) throw new QuantizationError(`${ctx.where}: Softmax input scale too coarse for n = ${n}`);
    const range = {
      frac: recipBits,
      lo: new Float64Array(size),
      // y_i = e_i q <= e_i 2^K / S <= 2^K.
      hi: new Float64Array(size).fill(2 ** recipBits),
      err: 0.5 * x.err + (2 * rel + (1 + n) * abs) / (1 - rel - n * abs) + 2 ** -RECIP_PRECISION,
      // sum_i e_i q = S q <= 2^K.
      rowSum: { n, max: 2 ** recipBits },
    };
    checkSafe(range, ctx.where);
    // Per element: RowMax's range check (+1 product), ExpDigits (25), the product; per row the reciprocal.
    const cost = size * (maxBits + 27) + rows * (recipBits + 2 * sumBits + 2);
    return {
      params: {
        kind: "softmax",
        rows,
        n,
        frac,
        maxBits,
        expW,
        ei,
        eiFrac: EI_FRAC,
        ea,
        eb,
        eFrac: E_FRAC,
        sumBits,
        recipBits,
      },
      range,
      cost,
    };
  },

  emit(layer, k, [x], ctx) {
    const { rows, n } = layer;
    const ei = constantFunction(ctx, `SXI${k}`, layer.ei);
    const ea = constantFunction(ctx, `SXA${k}`, layer.ea);
    const eb = constantFunction(ctx, `SXB${k}`, layer.eb);
    const args = [layer.maxBits, layer.frac, layer.expW, layer.eiFrac, layer.eFrac, ei, ea, eb];
    const exp = `ExpDigits(${args.join(", ")})`;
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: softmax over ${rows} rows of ${n}`,
      `  signal c${k}[${rows * n}];`,
      `  component smax${k}[${rows}];`,
      `  component sexp${k}[${rows * n}];`,
      `  component srec${k}[${rows}];`,
      `  for (var r = 0; r < ${rows}; r++) {`,
      `    smax${k}[r] = RowMax(${n}, ${layer.maxBits});`,
      `    for (var i = 0; i < ${n}; i++) smax${k}[r].in[i] <== ${x}[r * ${n} + i];`,
      `    var sum = 0;`,
      `    for (var i = 0; i < ${n}; i++) {`,
      `      sexp${k}[r * ${n} + i] = ${exp};`,
      `      for (var j = 0; j < ${layer.maxBits}; j++) sexp${k}[r * ${n} + i].d[j] <== smax${k}[r].digits[i][j];`,
      `      sum += sexp${k}[r * ${n} + i].out;`,
      `    }`,
      `    srec${k}[r] = Reciprocal(${layer.recipBits}, ${layer.sumBits});`,
      `    srec${k}[r].s <== sum;`,
      `    for (var i = 0; i < ${n}; i++) c${k}[r * ${n} + i] <== sexp${k}[r * ${n} + i].out * srec${k}[r].out;`,
      `  }`,
    );
    return { values: `c${k}` };
  },
};

// Dense (Gemm / MatMul with a constant right operand):
//   y[r][j] = sum_i W[j][i] * x[r * rowStride + i * colStride] + b[r][j]
// Integer weights at one power-of-two scale, the bias at the accumulator's scale. One loop
// serves the float op (real weights), the integer layer (integer weights) and the quantizer's
// bounds (the weights split by sign: lo = W+ lo_x + W- hi_x). The circuit has constant weights
// (no constraints for the products): one Dense instance per row (circuits/dense.circom).
import type { DenseOp } from "../model/float-graph.js";
import { checkSafe, linearBounds, quantizeWeights } from "../quantize/core.js";
import type { DenseLayer } from "../quantize/quantized-model.js";
import type { ValueRange } from "../quantize/value-range.js";
import { constantFunction, tableNumber } from "./emit-context.js";
import type { Kind } from "./kind.js";

type DenseShape = Pick<DenseOp, "rows" | "inFeatures" | "outFeatures" | "rowStride" | "colStride">;

/** y = W x + b over the rows; exact on integers (|acc| < 2^52 by construction). */
function denseApply(
  s: DenseShape,
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  x: ArrayLike<number>,
): Float64Array {
  const { rows, inFeatures: n, outFeatures: m } = s;
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let acc = bias ? bias[r * m + j] : 0;
      const row = j * n;
      for (let i = 0; i < n; i++) acc += weight[row + i] * x[r * s.rowStride + i * s.colStride];
      y[r * m + j] = acc;
    }
  }
  return y;
}

/** The largest bound on |W x + b - W_q x_q 2^-frac| over the outputs (real units). */
function denseError(op: DenseOp, x: ValueRange, weight: number[], wFrac: number, bias: number[], frac: number) {
  let err = 0;
  const inScale = 2 ** -x.frac;
  for (let r = 0; r < op.rows; r++) {
    for (let j = 0; j < op.outFeatures; j++) {
      const o = r * op.outFeatures + j;
      // |sum w a - sum w_q a_q| <= sum |w| |a - a_q| + sum |w - w_q| |a_q|, plus the bias rounding.
      let e = Math.abs(op.bias[o] - bias[o] * 2 ** -frac);
      for (let i = 0; i < op.inFeatures; i++) {
        const k = r * op.rowStride + i * op.colStride;
        const wf = op.weight[j * op.inFeatures + i];
        const xmax = Math.max(Math.abs(x.lo[k]), Math.abs(x.hi[k])) * inScale;
        e += Math.abs(wf) * x.err + Math.abs(wf - weight[j * op.inFeatures + i] * 2 ** -wFrac) * xmax;
      }
      err = Math.max(err, e);
    }
  }
  return err;
}

export const dense: Kind<"dense", "dense"> = {
  floatKinds: ["dense"],
  layerKind: "dense",
  templates: ["dense.circom"],
  readsRaw: false,
  evalFloat: (op, [x]) => denseApply(op, op.weight, op.bias, x),
  evalInt: (layer, [x]) => denseApply(layer, layer.weight, layer.bias, x),

  quantize(op, [x], ctx) {
    const { q: weight, frac: wFrac } = quantizeWeights(op.weight, ctx.config.weightBits);
    const frac = x.frac + wFrac;
    const bias = Array.from(op.bias, (b) => Math.round(b * 2 ** frac));
    const { lo, hi } = linearBounds((w, b, v) => denseApply(op, w, b, v), weight, bias, x);
    const range = { frac, lo, hi, err: denseError(op, x, weight, wFrac, bias, frac) };
    checkSafe(range, ctx.where);
    const { rows, inFeatures, outFeatures, rowStride, colStride } = op;
    const params = { kind: "dense" as const, rows, inFeatures, outFeatures, rowStride, colStride, weight, bias, wFrac };
    return { params, range, cost: 0 };
  },

  emit(layer: DenseLayer, k, [input], ctx) {
    const { rows, inFeatures: n, outFeatures: m } = layer;
    const w = tableNumber(ctx, "denseWeights", constantFunction(ctx, `W${k}`, layer.weight, [m, n]));
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: dense ${n} -> ${m}${rows > 1 ? ` on ${rows} rows` : ""}`,
    );
    ctx.body.push(`  signal c${k}[${rows * m}];`);
    for (let r = 0; r < rows; r++) {
      const bias = constantFunction(ctx, rows > 1 ? `B${k}_${r}` : `B${k}`, layer.bias.slice(r * m, (r + 1) * m));
      const b = tableNumber(ctx, "denseBiases", bias);
      const lin = rows > 1 ? `lin${k}_${r}` : `lin${k}`;
      ctx.body.push(
        `  component ${lin} = Dense(${n}, ${m}, ${w}, ${b});`,
        `  for (var i = 0; i < ${n}; i++) ${lin}.in[i] <== ${input}[${r * layer.rowStride} + i * ${layer.colStride}];`,
        `  for (var j = 0; j < ${m}; j++) c${k}[${r * m} + j] <== ${lin}.out[j];`,
      );
    }
    return { values: `c${k}` };
  },
};

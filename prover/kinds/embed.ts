// An embedding lookup (Gather on a constant table by token ids): each index selects one row of
// the table. On integers the index must be exact, x = v * unit with v in [0, vocab) (an integer
// input at scale 1, unit = 1); any other value has no witness, and the evaluator refuses it
// with the same words. In the circuit (no template): per index a one-hot selector of vocab
// booleans with sum 1 and sum v * unit * sel_v = x, then each output a constant combination of
// the selector (linear). The only error is the table's rounding.
import { InputError } from "../errors.js";
import type { EmbedOp } from "../model/float-graph.js";
import { QuantizationError } from "../quantize/activation.js";
import { quantizeWeights } from "../quantize/core.js";
import type { EmbedLayer } from "../quantize/quantized-model.js";
import { minOf } from "../quantize/value-range.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

/** A token id read from `v` (an integer in [0, vocab) once divided by unit), or an InputError. */
function row(v: number, unit: number, vocab: number, t: number): number {
  const id = v / unit;
  if (!Number.isInteger(id) || id < 0 || id >= vocab)
    throw new InputError(`embedding index ${t} is ${id}: not an integer token id in [0, ${vocab})`);
  return id;
}

function lookup(
  s: { count: number; vocab: number; dim: number },
  table: ArrayLike<number>,
  x: ArrayLike<number>,
  unit: number,
) {
  const y = new Float64Array(s.count * s.dim);
  for (let t = 0; t < s.count; t++) {
    const v = row(x[t], unit, s.vocab, t);
    for (let d = 0; d < s.dim; d++) y[t * s.dim + d] = table[v * s.dim + d];
  }
  return y;
}

export const embed: Kind<"embed", "embed"> = {
  floatKinds: ["embed"],
  layerKind: "embed",
  templates: [],
  readsRaw: false,
  evalFloat: (op: EmbedOp, [x]) => lookup(op, op.table, x, 1),
  evalInt: (layer: EmbedLayer, [x]) => lookup(layer, layer.table, x, layer.unit),

  quantize(op, [x], ctx) {
    if (x.frac < 0 || minOf(x.lo) < 0)
      throw new QuantizationError(
        `${ctx.where}: embedding indices need exact non-negative integers ` +
          `(input scale 2^${x.frac}, min ${minOf(x.lo)})`,
      );
    const unit = 2 ** x.frac;
    const { q, frac } = quantizeWeights(op.table, ctx.config.weightBits);
    const lo = new Float64Array(op.size);
    const hi = new Float64Array(op.size);
    let err = 0;
    for (let d = 0; d < op.dim; d++) {
      let [l, h] = [Infinity, -Infinity];
      for (let v = 0; v < op.vocab; v++) {
        const w = q[v * op.dim + d];
        [l, h] = [Math.min(l, w), Math.max(h, w)];
        err = Math.max(err, Math.abs(w * 2 ** -frac - op.table[v * op.dim + d]));
      }
      for (let t = 0; t < op.count; t++) [lo[t * op.dim + d], hi[t * op.dim + d]] = [l, h];
    }
    return {
      params: { kind: "embed", count: op.count, vocab: op.vocab, dim: op.dim, unit, table: q, wFrac: frac },
      range: { frac, lo, hi, err },
      cost: op.count * (op.vocab + 2),
    };
  },

  emit(layer, k, [x], ctx) {
    const { count, vocab, dim, unit } = layer;
    const table = constantFunction(ctx, `EMB${k}`, layer.table, [vocab, dim]);
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: embedding lookup, ${count} indices into ${vocab} rows of ${dim}`,
      `  signal c${k}[${count * dim}];`,
      `  signal esel${k}[${count}][${vocab}];`,
      `  var emb${k}[${vocab}][${dim}] = ${table};`,
      `  for (var t = 0; t < ${count}; t++) {`,
      `    var one = 0;`,
      `    var at = 0;`,
      `    for (var v = 0; v < ${vocab}; v++) {`,
      `      esel${k}[t][v] <-- ${x}[t] == v * ${unit} ? 1 : 0;`,
      `      esel${k}[t][v] * (esel${k}[t][v] - 1) === 0;`,
      `      one += esel${k}[t][v];`,
      `      at += v * ${unit} * esel${k}[t][v];`,
      `    }`,
      `    one === 1;`,
      `    at === ${x}[t];`,
      `    for (var d = 0; d < ${dim}; d++) {`,
      `      var sum = 0;`,
      `      for (var v = 0; v < ${vocab}; v++) sum += emb${k}[v][d] * esel${k}[t][v];`,
      `      c${k}[t * ${dim} + d] <== sum;`,
      `    }`,
      `  }`,
    );
    return { values: `c${k}` };
  },
};
